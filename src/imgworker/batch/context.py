"""Per-process resources of a batch worker: one HTTP client and one renderer, reused by every job.

A :class:`RenderContext` is opened once per process (Celery's ``worker_process_init`` or the local
pool's initializer). Unless ``IMGIX_DOMAIN`` names a running renderer (the real imgix service or an
``imgworker render-server``), it starts one :class:`~imgworker.render.embedded.EmbeddedRenderer`
on 127.0.0.1 with a random port and token, reading the staging store
(``IMGWORKER_STAGING_STORE``): no renderer is started per job or per rendition.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field

import httpx

from imgworker.render.embedded import EmbeddedRenderer
from imgworker.render.server import RendererConfig
from imgworker.render.sources import Origin
from imgworker.storage import BlobStore, open_store
from imgworker.worker.config import WorkerConfig


@dataclass
class RenderContext:
    """Per-process resources: HTTP client, staging store, renderer URL and token."""

    client: httpx.Client
    store: BlobStore
    base_url: str
    token: str | None
    check_implemented: bool
    renderer: EmbeddedRenderer | None = None
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    @classmethod
    def open(cls, config: WorkerConfig) -> RenderContext:
        """Start the embedded renderer (when ``config.embedded``) and the HTTP client."""
        store = open_store(config.staging_store)
        client = httpx.Client(timeout=config.fetch_timeout, follow_redirects=False)
        if not config.embedded:
            return cls(client, store, config.base_url, config.secure_token, not config.real_imgix)
        token = secrets.token_hex(16)
        renderer = EmbeddedRenderer(RendererConfig(origin=Origin(store), token=token)).start()
        return cls(client, store, renderer.base_url, token, True, renderer)

    def close(self) -> None:
        """Stop the renderer and close the client (safe to call twice)."""
        self.client.close()
        if self.renderer is not None:
            self.renderer.stop()
            self.renderer = None
