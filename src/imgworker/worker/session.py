"""An imgix rendering session: the staging store, the renderer (embedded or external) and an HTTP client.

One session serves many renditions: the embedded renderer is started once (on 127.0.0.1, a random
port and a random token) and reused, the source is staged once per content (content-addressed), and
connections are kept alive. :meth:`ImgixSession.render` is the seed's three steps for one rendition:

1. stage the source into the imgix source store (:func:`imgworker.storage.staging.stage`);
2. sign the imgix URL of the staged key with the rendition's ``instructions.imgix``;
3. fetch the rendered image and write it to the rendition's local file.

Used by the Asset Compute action (:mod:`imgworker.worker.action`), ``imgworker run``
(:mod:`imgworker.worker.job`), the devtool service and the batch workers.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

import httpx

from imgworker.asset_compute.redact import get_logger
from imgworker.render.embedded import EmbeddedRenderer
from imgworker.render.server import RendererConfig
from imgworker.render.sources import Origin
from imgworker.storage import BlobStore, open_store
from imgworker.storage.staging import RetentionPolicy, StagedSource
from imgworker.worker.config import WorkerConfig
from imgworker.worker.fetch import FetchError
from imgworker.worker.imgix_worker import RenditionResult, render_rendition, rendition_params, stage

log = get_logger(__name__)


class ImgixSession:
    """Stage/sign/fetch with shared resources; thread-safe. Close it (or use ``with``) to stop the
    embedded renderer.

    Args:
        config: worker settings (``IMGIX_DOMAIN`` unset = embedded renderer).
        store: the staging store; default ``open_store(config.staging_store)``.
    """

    def __init__(self, config: WorkerConfig, store: BlobStore | None = None) -> None:
        self.config = config
        self._own_store = store is None
        self.store = store or open_store(config.staging_store)
        self.client = httpx.Client(timeout=config.fetch_timeout, follow_redirects=False)
        self._lock = threading.Lock()
        self._renderer: EmbeddedRenderer | None = None
        self._token: str | None = config.secure_token
        self._base_url: str | None = None if config.embedded else config.base_url
        self._staged: dict[tuple[str, int, int], StagedSource] = {}
        self._stage_errors: dict[tuple[str, int, int], Exception] = {}
        self.retention = RetentionPolicy(config.staging_retention_days)

    def endpoint(self) -> tuple[str, str | None]:
        """(base URL, secure token) of the renderer; starts the embedded one on first use."""
        with self._lock:
            if self._base_url is None:
                self._token = secrets.token_hex(16)
                self._renderer = EmbeddedRenderer(RendererConfig(origin=Origin(self.store), token=self._token))
                self._renderer.start()
                self._base_url = self._renderer.base_url
            return self._base_url, self._token

    def stage(self, path: str | Path, filename: str) -> StagedSource:
        """Stage a local source file (once per file content and modification time in this session).

        A failure (store unreachable, access denied) is remembered for that file, so the other
        renditions of the job fail at once with the same error instead of retrying the store each.
        """
        st = Path(path).stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            cached, failed = self._staged.get(key), self._stage_errors.get(key)
        if cached is not None:
            return cached
        if failed is not None:
            raise failed
        try:
            staged = stage(self.store, str(path), filename, reuse_max_age=self.retention.reuse_max_age)
        except FetchError as exc:
            raise exc from None
        except Exception as exc:  # a store error: one clear, reusable failure for this source
            error = FetchError("GenericError", f"staging the source into {self.store.url} failed: {exc}")
            with self._lock:
                self._stage_errors[key] = error
            raise error from None
        with self._lock:
            self._staged[key] = staged
        return staged

    def render(self, source_path: str | Path, source_name: str, instructions: dict[str, Any],
               out_path: str | Path) -> RenditionResult:  # fmt: skip
        """The three steps for one rendition; writes ``out_path`` whole or not at all.

        Raises:
            FetchError: with an Asset Compute ``reason`` (empty source, bad instructions, renderer error).
        """
        staged = self.stage(source_path, source_name)
        params = rendition_params(instructions, check_implemented=not self.config.real_imgix)
        base_url, token = self.endpoint()
        return render_rendition(self.client, base_url, token, staged, params, str(out_path))

    def finish_job(self) -> list[str]:
        """The job is over: forget its staged sources and, with retention ``0``
        (``IMGWORKER_STAGING_RETENTION_DAYS=0``), delete them from the store; returns the keys deleted.
        A store error is logged, not raised: the renditions are already delivered."""
        with self._lock:
            staged = list(self._staged.values())
            self._staged.clear()
            self._stage_errors.clear()
        try:
            return self.retention.after_job(self.store, staged)
        except Exception as exc:
            log.warning("could not delete the staged sources after the job: %s", exc)
            return []

    def close(self) -> None:
        self.finish_job()
        self.client.close()
        with self._lock:
            if self._renderer is not None:
                self._renderer.stop()
                self._renderer = None
                self._base_url = None if self.config.embedded else self.config.base_url
        if self._own_store:  # after the renderer that reads from it has stopped
            self.store.close()

    def __enter__(self) -> ImgixSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
