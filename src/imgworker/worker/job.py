"""Run one Asset Compute processing request locally: ``imgworker run``, the devtool and batch runs.

The request goes through the same Asset Compute SDK path as in production
(:func:`imgworker.asset_compute.worker` with the imgix callback of :mod:`imgworker.worker.action`),
with local conveniences switched on: paths and ``file://`` URLs as sources and targets
(``local_files``), ``http://`` allowed (presigned URLs of local emulators), and the events collected
in memory (and passed to ``on_event``) instead of being sent to Adobe I/O Events. One rendition
failing never stops the others; every rendition gets exactly one event.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from imgworker.asset_compute import worker
from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig
from imgworker.asset_compute.errors import AssetComputeError, event_message, event_reason
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.source import Source
from imgworker.worker.action import render_with
from imgworker.worker.config import WorkerConfig
from imgworker.worker.session import ImgixSession

Event = dict[str, Any]
EventSink = Callable[[Event], None]


@dataclass
class RenditionReport:
    """One row of the summary: ``fmt`` is the MIME type made, ``ms`` the rendition's wall time."""

    name: str
    target: str
    ok: bool
    fmt: str = ""
    width: int = 0
    height: int = 0
    size: int = 0
    ms: float = 0.0
    reason: str = ""
    message: str = ""


@dataclass
class JobReport:
    """Per-rendition rows, the events sent, and ``error``: a request-level failure (validation,
    download) as ``"<reason>: <message>"``, empty when the request ran."""

    renditions: list[RenditionReport] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    error: str = ""

    @property
    def failed(self) -> int:
        return sum(not r.ok for r in self.renditions)


class _Collector:
    """An event sender that keeps the events (and forwards each to ``on_event``)."""

    name = "local"

    def __init__(self, on_event: EventSink | None) -> None:
        self.events: list[Event] = []
        self.on_event = on_event

    async def send(self, event: Event) -> None:
        self.events.append(event)
        if self.on_event:
            self.on_event(event)


def local_config(work: Path) -> AssetComputeConfig:
    """SDK settings for local runs (environment first, then the local conveniences)."""
    base = AssetComputeConfig.from_env()
    return replace(base, local_files=True, allow_http=True, work_base=work, timeout_buffer=0.0)


def _target_text(rendition: dict[str, Any]) -> str:
    target = rendition.get("target") or rendition.get("url") or ""
    if isinstance(target, dict):
        urls = target.get("urls") or []
        return f"multipart ({len(urls)} URLs)"
    return str(target)


def run_job(request: dict[str, Any], config: WorkerConfig, *, on_event: EventSink | None = None,
            session: ImgixSession | None = None) -> JobReport:  # fmt: skip
    """Process ``{"source": ..., "renditions": [...], "requestId"?, "userData"?}``.

    Args:
        config: worker settings (renderer, staging store).
        on_event: called with each event as it is sent.
        session: an open session to reuse (its renderer and staged sources); default one per job.

    Request-level problems (no renditions, a target of the wrong type, ...) are reported as a
    ``rendition_failed`` event per rendition given (or none when there are none), never raised.
    """
    collector = _Collector(on_event)
    timings: dict[int, float] = {}
    own = session is None
    session = session or ImgixSession(config)

    def callback(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        start = time.perf_counter()
        try:
            render_with(session, source, rendition)
        finally:
            timings[rendition.index] = (time.perf_counter() - start) * 1000

    request_error = ""
    work = Path(tempfile.mkdtemp(prefix="imgworker-job-"))
    given = request.get("renditions")
    renditions: list[Any] = given if isinstance(given, list) else []
    try:
        context = ActivationContext.from_env({})
        worker(callback).run_sync(request, config=local_config(work), context=context, sender=collector)
    except AssetComputeError as exc:  # validation or prepare failure before per-rendition events
        request_error = f"{event_reason(exc)}: {event_message(exc)}"
        if not collector.events:
            for r in renditions:
                if r is None:  # dropped by the SDK's validation too
                    continue
                shown = {k: v for k, v in r.items() if k != "target"} if isinstance(r, dict) else r
                event = {"type": "rendition_failed", "rendition": shown,
                         "errorReason": event_reason(exc), "errorMessage": event_message(exc)}  # fmt: skip
                collector.events.append(event)
                if on_event:
                    on_event(event)
    finally:
        if own:
            session.close()  # also finishes the job (staging retention)
        else:
            session.finish_job()
        shutil.rmtree(work, ignore_errors=True)
    report = _report([r for r in renditions if r is not None], collector.events, timings)
    report.error = request_error
    return report


def _report(renditions: list[Any], events: list[Event], timings: dict[int, float]) -> JobReport:
    report = JobReport(events=events)
    for i, (r, event) in enumerate(zip(renditions, events, strict=False)):
        r = r if isinstance(r, dict) else {}
        name = str(r.get("name") or f"rendition{i}")
        ms = timings.get(i, 0.0)
        if event.get("type") == "rendition_created":
            meta = event.get("metadata") or {}
            report.renditions.append(RenditionReport(
                name, _target_text(r), True, str(meta.get("dc:format", "")), int(meta.get("tiff:imageWidth", 0)),
                int(meta.get("tiff:imageHeight", 0)), int(meta.get("repo:size", 0)), ms))  # fmt: skip
        else:
            report.renditions.append(RenditionReport(name, _target_text(r), False, ms=ms,
                                                     reason=str(event.get("errorReason", "GenericError")),
                                                     message=str(event.get("errorMessage", ""))))  # fmt: skip
    return report
