"""What one job leaves behind: a record per rendition, the events, and whether to retry.

:class:`Recorder` builds the records (the results-file shape, see :mod:`imgworker.batch.results`)
and the Asset Compute events (``rendition_created`` with ``metadata``, ``rendition_failed`` with
``errorReason``/``errorMessage``; shapes as the Asset Compute SDK's, see ``docs/asset-compute.md``)
and publishes each through the ledger, which lets a rendition's event out once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from imgworker.batch.context import RenderContext
from imgworker.batch.jobs import Job, RenditionJob, target_identity
from imgworker.batch.ledger import Event, Ledger, Record
from imgworker.batch.transfer import JobError
from imgworker.render import vips
from imgworker.render.errors import RenderError

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


class Recorder:
    """Records and events of one :func:`~imgworker.batch.work.process_job` call."""

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
        meta = metadata(data)
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


def metadata(data: bytes) -> dict[str, Any]:
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
