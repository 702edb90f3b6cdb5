"""The running service's shared objects (one :class:`Service` per app, at ``app.state.service``)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from imgworker.devtool.library import Library, Outputs
from imgworker.devtool.metrics import Metrics
from imgworker.devtool.mount import LoopbackServer
from imgworker.devtool.settings import ServiceSettings
from imgworker.worker.config import WorkerConfig


@dataclass
class Service:
    """Settings, files, metrics and the worker's view of the renderer.

    Attributes:
        token: the renderer's secure URL token: ``IMGIX_SECURE_TOKEN``, or a random one
            (``token_source`` says which).
        worker_config: the :class:`WorkerConfig` given to ``run_job``; set at start-up (its
            ``imgix_domain`` is the loopback listener of the service's renderer, or the configured
            ``IMGIX_DOMAIN``).
        loopback: the listener started at start-up (``None`` with an external ``IMGIX_DOMAIN``).
        ready: true between start-up and the beginning of shutdown.
        web_action: where the Asset Compute web action is mounted (and its worker), or ``None``.
    """

    settings: ServiceSettings
    library: Library
    outputs: Outputs
    metrics: Metrics
    token: str
    token_source: str
    jobs: asyncio.Semaphore
    worker_config: WorkerConfig | None = None
    loopback: LoopbackServer | None = None
    ready: bool = False
    web_action: str | None = None
    started: dict[str, float] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: ServiceSettings) -> Service:
        """Make the folders and the token; nothing is started yet."""
        token = settings.worker.secure_token
        return cls(
            settings=settings,
            library=Library(settings.uploads_dir, settings.examples_dir, settings.max_upload_bytes),
            outputs=Outputs(settings.outputs_dir, settings.keep_jobs),  # never prunes active jobs
            metrics=Metrics(),
            token=token or secrets.token_hex(16),
            token_source="IMGIX_SECURE_TOKEN" if token else "random",
            jobs=asyncio.Semaphore(settings.max_jobs),
        )

    @property
    def renderer_description(self) -> str:
        """Where the worker sends its imgix requests (for /api/info and the logs)."""
        if self.loopback is not None:
            return f"this service's renderer (loopback {self.loopback.base_url}, also mounted at /render)"
        if self.worker_config is not None and self.worker_config.imgix_domain:
            return f"IMGIX_DOMAIN {self.worker_config.base_url}"
        return "not started"
