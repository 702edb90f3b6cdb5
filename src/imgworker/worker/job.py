"""Run one Asset Compute processing request locally: the flow of ``imgworker run``.

prepare (download the source) -> stage -> per rendition: sign, fetch, deliver -> events -> cleanup.
One rendition failing never stops the others; every rendition gets exactly one event
(``rendition_created`` or ``rendition_failed``; payloads as the Asset Compute SDK's, see
https://experienceleague.adobe.com/docs/asset-compute/using/api.html "Events").
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from imgworker.render import vips
from imgworker.render.embedded import EmbeddedRenderer
from imgworker.render.errors import RenderError
from imgworker.render.server import RendererConfig
from imgworker.render.sources import Origin
from imgworker.storage import open_store
from imgworker.worker.config import WorkerConfig
from imgworker.worker.deliver import deliver
from imgworker.worker.fetch import FetchError
from imgworker.worker.imgix_worker import render_rendition, rendition_params, stage

Event = dict[str, Any]
EventSink = Callable[[Event], None]
_MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
         "heif": "image/avif", "tiff": "image/tiff", "jxl": "image/jxl"}  # fmt: skip


@dataclass
class RenditionReport:
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
    renditions: list[RenditionReport] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(not r.ok for r in self.renditions)


@contextmanager
def renderer_for(config: WorkerConfig) -> Iterator[tuple[str, str | None]]:
    """(base URL, token) of the renderer to use; starts the embedded one when needed."""
    if not config.embedded:
        yield config.base_url, config.secure_token
        return
    token = secrets.token_hex(16)
    origin = Origin(open_store(config.staging_store))
    with EmbeddedRenderer(RendererConfig(origin=origin, token=token)) as server:
        yield server.base_url, token


def _download(client: httpx.Client, source: str, dest: Path) -> None:
    if source.startswith(("http://", "https://")):
        with client.stream("GET", source) as response:
            if response.status_code != 200:
                reason = (
                    "SourceUnsupported" if response.status_code in (401, 403, 404, 410) else "GenericError"
                )
                raise FetchError(
                    reason, f"source download answered {response.status_code}", response.status_code
                )
            with dest.open("wb") as f:
                for chunk in response.iter_bytes(1 << 20):
                    f.write(chunk)
        return
    path = Path(unquote(urlsplit(source).path)) if source.startswith("file://") else Path(source)
    if not path.is_file():
        raise FetchError("SourceUnsupported", f"source file not found: {source}")
    shutil.copyfile(path, dest)


def _source_url(source: Any) -> str:
    if isinstance(source, dict):
        return str(source.get("url") or source.get("path") or "")
    return str(source or "")


def _metadata(path: str) -> dict[str, Any]:
    data = Path(path).read_bytes()
    meta: dict[str, Any] = {"repo:size": len(data), "repo:sha1": hashlib.sha1(data).hexdigest()}
    try:
        info = vips.probe(data)
    except RenderError:
        return meta
    meta.update({"tiff:imageWidth": info.width, "tiff:imageHeight": info.height,
                 "dc:format": _MIME.get(info.format, "application/octet-stream")})  # fmt: skip
    return meta


def run_job(request: dict[str, Any], config: WorkerConfig, *, on_event: EventSink | None = None) -> JobReport:
    """Process a request ``{"source": ..., "renditions": [...], "requestId"?, "userData"?}``."""
    report = JobReport()
    source = _source_url(request.get("source"))
    renditions: list[dict[str, Any]] = list(request.get("renditions") or [])

    def emit(event: Event) -> None:
        event.setdefault("source", source)
        for key in ("requestId", "userData"):
            if key in request:
                event[key] = request[key]
        report.events.append(event)
        if on_event:
            on_event(event)

    def fail(i: int, r: dict[str, Any], reason: str, message: str, ms: float = 0.0) -> None:
        name = str(r.get("name") or f"rendition{i}")
        report.renditions.append(RenditionReport(name, str(r.get("target", "")), False, ms=ms,
                                                 reason=reason, message=message))  # fmt: skip
        emit(
            {
                "type": "rendition_failed",
                "rendition": _public(r),
                "errorReason": reason,
                "errorMessage": message,
            }
        )

    work = Path(tempfile.mkdtemp(prefix="imgworker-"))
    try:
        with httpx.Client(timeout=config.fetch_timeout, follow_redirects=False) as client:
            src_name = Path(unquote(urlsplit(source).path)).name or "source"
            src_path = work / f"source{Path(src_name).suffix.lower()}"
            try:
                _download(client, source, src_path)
                staged = stage(open_store(config.staging_store), str(src_path), src_name)
            except FetchError as exc:
                for i, r in enumerate(renditions):
                    fail(i, r, exc.reason, exc.message)
                return report
            with renderer_for(config) as (base_url, token):
                for i, r in enumerate(renditions):
                    _one(client, i, r, staged, base_url, token, config, work, report, emit, fail)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _public(rendition: dict[str, Any]) -> dict[str, Any]:
    """The rendition as echoed in events: instructions without the (presigned) ``target``."""
    return {k: v for k, v in rendition.items() if k != "target"}


def _one(client: httpx.Client, i: int, r: dict[str, Any], staged: Any, base_url: str, token: str | None,
         config: WorkerConfig, work: Path, report: JobReport, emit: EventSink,
         fail: Callable[..., None]) -> None:  # fmt: skip
    start = time.perf_counter()
    name = str(r.get("name") or f"rendition{i}.{r.get('fmt', 'jpg')}")
    target = r.get("target") or r.get("url")
    try:
        if not isinstance(target, str) or not target:
            raise FetchError("GenericError", "rendition has no target (expected a path or presigned URL)")
        params = rendition_params(r, check_implemented=not config.real_imgix)
        out = work / f"rendition{i}"
        result = render_rendition(client, base_url, token, staged, params, str(out))
        meta = _metadata(result.path)
        deliver(client, result.path, target, result.content_type)
    except FetchError as exc:
        fail(i, r, exc.reason, exc.message, (time.perf_counter() - start) * 1000)
        return
    ms = (time.perf_counter() - start) * 1000
    report.renditions.append(RenditionReport(
        name, target, True, str(meta.get("dc:format", "")), int(meta.get("tiff:imageWidth", 0)),
        int(meta.get("tiff:imageHeight", 0)), int(meta["repo:size"]), ms))  # fmt: skip
    emit({"type": "rendition_created", "rendition": _public(r), "metadata": meta})
