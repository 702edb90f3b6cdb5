"""One processing request through the service: check it, point it at devtool files, run it, report.

:func:`prepare` turns the request a user sent into the one given to
:func:`imgworker.worker.job.run_job`:

- ``source``: an ``http(s)`` URL (used as is), or the name of a library source (``chelsea.png``:
  an upload or an example), resolved to its file. Local paths and ``file://`` URLs are refused: the
  service never reads files outside its library. The SDK's object form ``{url, name, mimetype,
  size, headers, ...}`` is kept whole, only its ``url`` resolved (``name`` alone may name a library
  source); the worker's SDK validates it and sends ``headers`` with the download.
- each rendition's ``target``: replaced by ``outputs/<job id>/<n>-<name>`` when ``rewrite_all`` (the
  devtool page) or when it is not an ``http(s)`` URL (the plain API; presigned URLs are honoured).

:func:`execute` runs the job (blocking: call it in a worker thread). An output file whose extension
does not match the format of its bytes (a passthrough ``{}`` rendition of a PNG, ``fm=webp`` in a
``.jpg`` name) is renamed to the right extension. It returns the response body::

    {"jobId": str, "source": {"name", "url"?, "width"?, "height"?, "format"?, "size"?},
     "renditions": [{"index", "name", "ok", "format", "width", "height", "size" (bytes), "ms",
                     "reason", "message", "query" (imgix query as sent, unsigned), "url"?, "download"?,
                     "target"? (redacted), "renderUrl"? (signed, on /render)}],
     "events": [Asset Compute events], "failed": int, "timings": {"runMs": float}}
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from imgworker.asset_compute.redact import redact_url
from imgworker.devtool.library import Library, LibraryError, Outputs, describe, safe_name
from imgworker.sniff import OCTET, sniff_file
from imgworker.storage import open_store
from imgworker.worker.config import WorkerConfig
from imgworker.worker.fetch import FetchError
from imgworker.worker.imgix_worker import rendition_params, stage
from imgworker.worker.job import JobReport, run_job
from imgworker.worker.signing import build_url


class RequestError(ValueError):
    """The request cannot run; ``status`` is the HTTP status (400, 404, 413) and ``message`` says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class PreparedJob:
    """A checked request ready for :func:`run_job`, and how to present its results."""

    job_id: str
    folder: Path
    request: dict[str, Any]
    source_label: str
    source_file: Path | None
    outputs: list[str | None] = field(default_factory=list)


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _source_text(source: Any) -> str:
    if isinstance(source, dict):
        source = source.get("url") or source.get("name")
    if not isinstance(source, str) or not source.strip():
        raise RequestError(f"Expected an http(s) URL or a library source name for `source` but received {source!r}")
    return source.strip()


def _output_name(i: int, rendition: dict[str, Any]) -> str:
    """``<i>-<safe name>``: the rendition's ``name``, else ``rendition<i>.<fmt or jpg>`` (the
    extension is corrected after the run, see :func:`match_extension`)."""
    default = f"rendition{i}.{rendition.get('fmt') or 'jpg'}"
    try:
        name = safe_name(str(rendition.get("name") or default))
    except LibraryError:  # a name with nothing usable in it ("...")
        name = safe_name(default)
    return safe_name(f"{i}-{name}")  # cut as a whole, so that Outputs.file accepts it


def prepare(request: Any, library: Library, outputs: Outputs, *, rewrite_all: bool,
            max_renditions: int) -> PreparedJob:  # fmt: skip
    """Check ``request`` and rewrite its source and targets (see the module docstring).

    Raises:
        RequestError: not a JSON object, no renditions, a rendition that is not an object, too many
            renditions, or a source that is neither a URL nor in the library (404).
    """
    if not isinstance(request, dict):
        raise RequestError(f"Expected a JSON object for the request but received {type(request).__name__}")
    renditions = request.get("renditions")
    if not isinstance(renditions, list) or not renditions:
        raise RequestError(f"Expected a non-empty list for `renditions` but received {renditions!r}")
    if len(renditions) > max_renditions:
        raise RequestError(f"Expected at most {max_renditions} renditions but received {len(renditions)}")
    for i, r in enumerate(renditions):
        if not isinstance(r, dict):
            raise RequestError(f"Expected a JSON object for `renditions[{i}]` but received {r!r}")
    label = _source_text(request.get("source"))
    source_file: Path | None = None
    if _is_url(label):
        source: str = label
    elif "://" in label or label.startswith(("/", "~", ".")) or "/" in label or "\\" in label:
        raise RequestError(
            f"Expected an http(s) URL or a library source name for `source` but received {label!r} "
            "(the service does not read local paths; upload the file instead)"
        )
    else:
        try:
            source_file = library.find(label)
        except LibraryError as exc:
            raise RequestError(exc.message, exc.status) from None
        source = str(source_file.resolve())
    job_id, folder = outputs.new_job()
    new_renditions: list[dict[str, Any]] = []
    names: list[str | None] = []
    for i, r in enumerate(renditions):
        copy = dict(r)
        if rewrite_all or not _is_url(r.get("target")):
            out_name = _output_name(i, r)
            copy["target"] = str((folder / out_name).resolve())
            names.append(out_name)
        else:
            names.append(None)
        new_renditions.append(copy)
    given = request.get("source")
    job_source: str | dict[str, Any] = {**given, "url": source} if isinstance(given, dict) else source
    job_request = {k: v for k, v in request.items() if k not in ("source", "renditions")}
    job_request.update({"source": job_source, "renditions": new_renditions})
    return PreparedJob(job_id, folder, job_request, label, source_file, names)


def execute(job: PreparedJob, config: WorkerConfig, token: str | None) -> dict[str, Any]:
    """Run the job (blocking) and build the response body described in the module docstring."""
    staged_key = _stage(job, config)
    start = time.perf_counter()
    report = run_job(job.request, config)
    run_ms = (time.perf_counter() - start) * 1000
    for i, name in enumerate(job.outputs):
        if name is not None and (job.folder / name).is_file():
            job.outputs[i] = match_extension(job.folder, name)
    body = report_json(job, report, staged_key, token)
    body["timings"] = {"runMs": round(run_ms, 1)}
    return body


EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
              "image/avif": ".avif", "image/tiff": ".tif", "image/bmp": ".bmp", "image/svg+xml": ".svg",
              "application/pdf": ".pdf", "application/json": ".json", "text/plain": ".txt", "text/css": ".css",
              "text/xml": ".xml"}  # fmt: skip
"""The extension given to a renamed output, by the MIME type of its bytes."""
_ALSO = {"image/jpeg": {".jpeg", ".jpe", ".pjpg"}, "image/tiff": {".tiff"}, "image/heic": {".heif"}}


def match_extension(folder: Path, name: str) -> str:
    """Rename ``folder/name`` so that its extension matches the format of its bytes; the new name.

    The format is sniffed from the file (as the ``dc:format`` of the Asset Compute event). A name
    whose extension already fits (``.jpg`` or ``.jpeg`` for JPEG) and a file of unknown format are
    left alone; otherwise the extension is replaced (or added), e.g. ``0-rendition0.jpg`` holding a
    PNG becomes ``0-rendition0.png``.
    """
    mime = sniff_file(folder / name).mime
    fitting = set(mimetypes.guess_all_extensions(mime)) | _ALSO.get(mime, set())
    wanted = EXTENSIONS.get(mime) or mimetypes.guess_extension(mime)
    fitting |= {wanted} if wanted else set()
    stem, dot, ext = name.rpartition(".")
    if mime == OCTET or not wanted or (dot and f".{ext.lower()}" in fitting):
        return name
    new = safe_name(f"{stem if dot else name}{wanted}")
    (folder / name).replace(folder / new)
    return new


def _stage(job: PreparedJob, config: WorkerConfig) -> str | None:
    """Stage a library source now to learn its key (``run_job`` then finds it staged)."""
    if job.source_file is None:
        return None
    try:
        store = open_store(config.staging_store)
    except ValueError:
        return None  # run_job reports the problem as rendition_failed events
    try:
        return stage(store, str(job.source_file), job.source_file.name).key
    except (FetchError, OSError, ValueError):
        return None
    finally:
        store.close()


def report_json(job: PreparedJob, report: JobReport, staged_key: str | None, token: str | None) -> dict[str, Any]:
    """The response body of a finished job (without ``timings``)."""
    source: dict[str, Any] = {"name": job.source_label}
    if job.source_file is not None:
        info = describe(job.source_file, job.source_file.name, "")
        source.update({"url": f"/api/sources/{quote(info.name)}", "width": info.width, "height": info.height,
                       "format": info.format, "size": info.size})  # fmt: skip
    else:
        source["name"] = redact_url(job.source_label)
    renditions = [
        _rendition_json(job, i, r, report.renditions[i] if i < len(report.renditions) else None, staged_key, token)
        for i, r in enumerate(job.request["renditions"])
    ]
    events = []
    for event in report.events:
        event = dict(event)
        event["source"] = source["name"]
        events.append(event)
    return {"jobId": job.job_id, "source": source, "renditions": renditions, "events": events,
            "failed": report.failed}  # fmt: skip


def _rendition_json(job: PreparedJob, i: int, r: dict[str, Any], rep: Any, staged_key: str | None,
                    token: str | None) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"index": i, "name": rep.name if rep else str(r.get("name") or f"rendition{i}"),
                           "ok": bool(rep and rep.ok)}  # fmt: skip
    if rep is not None:
        out.update({"format": rep.fmt, "width": rep.width, "height": rep.height, "size": rep.size,
                    "ms": round(rep.ms, 1), "reason": rep.reason, "message": rep.message})  # fmt: skip
    try:
        params = rendition_params(r, check_implemented=False)
    except FetchError:
        params = None
    if params is not None:
        out["query"] = urlencode(params, quote_via=quote, safe=",:")
        if staged_key:
            signed = build_url("http://127.0.0.1", staged_key, params, token)
            parts = urlsplit(signed)
            out["renderUrl"] = f"/render{parts.path}?{parts.query}"
    name = job.outputs[i]
    if name is None:
        out["target"] = redact_url(str(r.get("target", "")))
    elif out["ok"]:
        out["url"] = f"/api/outputs/{job.job_id}/{quote(name)}"
        out["download"] = f"{out['url']}?download=1"
    return out
