"""One batch job, start to finish: the code both runners (process pool, Celery task) execute.

:func:`process_job` downloads the source, stages it (content-addressed), and for each rendition

1. computes its rendition id from the downloaded bytes (:func:`~imgworker.batch.jobs.rendition_id`);
2. if the ledger already has it done, returns the stored record with ``replayed: true`` (no render,
   no write, no event);
3. otherwise signs and fetches the rendition from the renderer, writes the target whole, and only
   then commits the done marker together with the ``rendition_created`` event
   (:meth:`~imgworker.batch.ledger.Ledger.commit`).

Failures become records with an Asset Compute ``reason``; a source-level reason (the source is
corrupt, unsupported, missing) fails the remaining renditions without asking the renderer again.
A transient failure (network, 429, 5xx) sets :attr:`JobOutcome.retry` unless this is the final
attempt, in which case it is recorded as ``GenericError``.

A :class:`RenderContext` is opened once per process (``worker_process_init`` or the pool
initializer): one HTTP client and, unless ``IMGIX_DOMAIN`` names a running renderer, one
:class:`~imgworker.render.embedded.EmbeddedRenderer` reused by every job.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from imgworker.batch.jobs import Job, RenditionJob, rendition_id, target_identity
from imgworker.batch.ledger import Event, Ledger, Record
from imgworker.batch.transfer import JobError, deliver_to, download
from imgworker.render import vips
from imgworker.render.embedded import EmbeddedRenderer
from imgworker.render.errors import RenderError
from imgworker.render.server import RendererConfig
from imgworker.render.sources import Origin
from imgworker.storage import BlobStore, StoreError, open_store
from imgworker.worker.config import WorkerConfig
from imgworker.worker.fetch import FetchError
from imgworker.worker.imgix_worker import StagedSource, render_rendition, rendition_params, stage

_MIME = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "heif": "image/avif",
    "tiff": "image/tiff",
    "jxl": "image/jxl",
}


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


@dataclass
class JobOutcome:
    """Records (one per rendition, in profile order), events this call published, and ``retry``."""

    records: list[Record] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    retry: bool = False
    retry_message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the Celery task result)."""
        return {"records": self.records, "retry": self.retry, "retry_message": self.retry_message}


@dataclass(frozen=True)
class Attempt:
    """Which delivery this is: ``number`` (1-based), ``final`` (no retry after it), ``scope``
    (one submission of the batch: failure events are reported once per scope), ``redelivered``
    (the broker handed the job out again after a worker was lost) and ``abort`` (a message:
    fail every rendition not made yet instead of rendering)."""

    number: int = 1
    final: bool = True
    scope: str = "local"
    redelivered: bool = False
    abort: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def public_target(target: str) -> str:
    """The target as recorded: URLs without their (presigned, secret) query string."""
    return target_identity(target)


def _public_instructions(r: RenditionJob) -> dict[str, Any]:
    return {k: v for k, v in r.instructions().items() if k != "target"}


class _Run:
    """The state of one :func:`process_job` call."""

    def __init__(self, job: Job, ctx: RenderContext, ledger: Ledger, attempt: Attempt) -> None:
        self.job, self.ctx, self.ledger, self.attempt = job, ctx, ledger, attempt
        self.outcome = JobOutcome()
        self.download_ms = 0.0
        self.source_sha256 = ""
        self.source_bytes = 0

    def base(self, r: RenditionJob, rid: str) -> Record:
        return {
            "job": self.job.job_id,
            "rendition_id": rid,
            "line": self.job.line,
            "source": self.job.source,
            "profile": self.job.profile,
            "rendition": r.name,
            "target": public_target(r.target),
        }

    def fail(self, r: RenditionJob, rid: str, error: JobError, ms: float = 0.0) -> None:
        record = {
            **self.base(r, rid),
            "status": "failed",
            "reason": error.reason,
            "message": error.message,
            "source_bytes": self.source_bytes,
            "download_ms": round(self.download_ms, 1),
            "ms": round(ms, 1),
            "attempts": self.attempt.number,
            "redelivered": self.attempt.redelivered,
            "worker": self.ctx.worker,
            "finished_at": _now(),
            "replayed": False,
        }
        event = {
            "type": "rendition_failed",
            "rendition": _public_instructions(r),
            "errorReason": error.reason,
            "errorMessage": error.message,
            "source": self.job.source,
            "requestId": self.job.job_id,
            "renditionId": rid,
        }
        if self.ledger.fail(rid, self.attempt.scope, event):
            self.outcome.events.append(event)
        self.outcome.records.append(record)

    def created(self, r: RenditionJob, rid: str, data: bytes, render_ms: float, deliver_ms: float) -> None:
        meta = _metadata(data)
        record = {
            **self.base(r, rid),
            "status": "created",
            "reason": "",
            "message": "",
            "format": meta.get("dc:format", ""),
            "width": meta.get("tiff:imageWidth", 0),
            "height": meta.get("tiff:imageHeight", 0),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "source_bytes": self.source_bytes,
            "source_sha256": self.source_sha256,
            "download_ms": round(self.download_ms, 1),
            "render_ms": round(render_ms, 1),
            "deliver_ms": round(deliver_ms, 1),
            "ms": round(render_ms + deliver_ms, 1),
            "attempts": self.attempt.number,
            "redelivered": self.attempt.redelivered,
            "worker": self.ctx.worker,
            "finished_at": _now(),
            "replayed": False,
        }
        event = {
            "type": "rendition_created",
            "rendition": _public_instructions(r),
            "metadata": meta,
            "source": self.job.source,
            "requestId": self.job.job_id,
            "renditionId": rid,
        }
        if self.ledger.commit(rid, record, event):
            self.outcome.events.append(event)
            self.outcome.records.append(record)
        else:  # another delivery of the same job committed first: report its record, not ours
            self.replay(rid, self.ledger.done(rid) or record)

    def replay(self, rid: str, stored: Record) -> None:
        self.outcome.records.append({**stored, "replayed": True})

    def transient(self, r: RenditionJob, rid: str, error: JobError, ms: float) -> None:
        if self.attempt.final:
            message = f"{error.message} (gave up after {self.attempt.number} attempts)"
            self.fail(r, rid, JobError(error.reason, message), ms)
        else:
            self.outcome.retry = True
            self.outcome.retry_message = error.message


def _metadata(data: bytes) -> dict[str, Any]:
    """Asset Compute rendition metadata: repo:size, repo:sha1, tiff:imageWidth/Height, dc:format."""
    meta: dict[str, Any] = {"repo:size": len(data), "repo:sha1": hashlib.sha1(data).hexdigest()}
    try:
        info = vips.probe(data)
    except RenderError:
        return meta
    meta.update(
        {
            "tiff:imageWidth": info.width,
            "tiff:imageHeight": info.height,
            "dc:format": _MIME.get(info.format, "application/octet-stream"),
        }
    )
    return meta


def _stage(run: _Run, work: Path) -> StagedSource:
    source = run.job.source
    name = Path(unquote(urlsplit(source).path) if "://" in source else source).name or "source"
    local = work / f"source{Path(name).suffix.lower()}"
    start = time.perf_counter()
    download(run.ctx.client, source, local)
    try:
        staged = stage(run.ctx.store, str(local), name)
    except FetchError as exc:
        raise JobError.from_fetch(exc) from None
    except StoreError as exc:
        raise JobError("GenericError", f"staging failed: {exc}", transient=True) from None
    run.download_ms = (time.perf_counter() - start) * 1000
    run.source_sha256, run.source_bytes = staged.sha256, staged.size
    return staged


def _render_one(run: _Run, staged: StagedSource, r: RenditionJob, rid: str, work: Path) -> None:
    ctx = run.ctx
    start = time.perf_counter()
    try:
        params = rendition_params(r.instructions(), check_implemented=ctx.check_implemented)
    except FetchError as exc:
        raise JobError(exc.reason, exc.message) from None
    try:
        result = render_rendition(ctx.client, ctx.base_url, ctx.token, staged, params, str(work / rid))
    except FetchError as exc:
        raise JobError.from_fetch(exc) from None
    data = Path(result.path).read_bytes()
    rendered = time.perf_counter()
    deliver_to(ctx.client, result.path, r.target, result.content_type)
    Path(result.path).unlink(missing_ok=True)
    run.created(r, rid, data, (rendered - start) * 1000, (time.perf_counter() - rendered) * 1000)


def process_job(
    job: Job,
    ctx: RenderContext,
    ledger: Ledger,
    attempt: Attempt = Attempt(),
    *,
    stop_on: tuple[type[BaseException], ...] = (),
) -> JobOutcome:
    """Run ``job`` once (see the module doc); never raises for a rendition's failure.

    Args:
        stop_on: exceptions that end the job at once (Celery's soft time limit): the current and
            every remaining rendition is recorded as failed (``GenericError``, time limit).
    """
    run = _Run(job, ctx, ledger, attempt)
    work = Path(tempfile.mkdtemp(prefix="imgworker-batch-"))
    try:
        try:
            staged = _stage(run, work)
        except JobError as exc:
            for r in job.renditions:
                rid = rendition_id("source:" + job.source, job.profile, r)
                (run.transient if exc.transient else run.fail)(r, rid, exc, 0.0)
            return run.outcome
        source_error: JobError | None = JobError("GenericError", attempt.abort) if attempt.abort else None
        for r in job.renditions:
            rid = rendition_id(staged.sha256, job.profile, r)
            stored = ledger.done(rid)
            if stored is not None:
                run.replay(rid, stored)
                continue
            if source_error is not None:
                run.fail(r, rid, source_error)
                continue
            start = time.perf_counter()
            try:
                _render_one(run, staged, r, rid, work)
            except JobError as exc:
                ms = (time.perf_counter() - start) * 1000
                (run.transient if exc.transient else run.fail)(r, rid, exc, ms)
                source_error = exc if exc.source_level else None
            except stop_on as exc:
                source_error = JobError("GenericError", f"time limit exceeded ({type(exc).__name__})")
                run.fail(r, rid, source_error, (time.perf_counter() - start) * 1000)
            except Exception as exc:  # a bug must fail one rendition, not the batch
                error = JobError("GenericError", f"unexpected error: {type(exc).__name__}: {exc}")
                run.fail(r, rid, error, (time.perf_counter() - start) * 1000)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run.outcome
