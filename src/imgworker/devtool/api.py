"""The JSON API of the devtool page (``/api/...``) and the plain worker endpoint (``POST /process``).

Every error is ``{"error": "<message naming the field>"}`` with its status (400 bad request,
404 unknown source/output, 413 upload or request body too large, naming the limit, 500 unexpected).

=========================================  =================================================================
``GET  /api/info``                         version, renderer in use, token source, limits
``GET  /api/params``                       the imgix parameter table (:func:`plan.params_table`)
``GET  /api/plan?url=...`` | ``?query=``   how the renderer parses a URL (:func:`plan.plan`)
``GET  /api/sources``                      library sources ``[{name, origin, size, format, width, height, url}]``
``POST /api/sources``                      multipart ``file`` -> the stored source (same shape)
``GET  /api/sources/{name}``               the source file
``POST /api/process``                      ``{"request": {...}}`` -> job result (:mod:`jobs`); every target
                                           is replaced by a devtool output file
``GET  /api/outputs/{job}/{file}``         a rendition (``?download=1``: as an attachment)
``POST /process``                          an Asset Compute request -> job result; ``http(s)`` targets
                                           (presigned URLs) are honoured, others become output files
=========================================  =================================================================
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from imgworker import __version__
from imgworker.devtool import jobs, plan
from imgworker.devtool.library import LibraryError, format_bytes
from imgworker.devtool.logs import get_logger
from imgworker.devtool.state import Service

router = APIRouter()
log = get_logger("api")


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


UPLOAD_SAFETY = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}
"""Headers on user-supplied files served back: no type sniffing, no scripts (an uploaded .html/.svg)."""


def error(message: str, status: int = 400) -> JSONResponse:
    """The error body every endpoint uses."""
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/api/info")
def info(request: Request) -> dict[str, Any]:
    s = _service(request)
    return {"version": __version__, "renderer": s.renderer_description, "token": s.token_source,
            "webAction": s.web_action,
            "maxUploadBytes": s.settings.max_upload_bytes, "maxRenditions": s.settings.max_renditions,
            "keepJobs": s.settings.keep_jobs}  # fmt: skip


@router.get("/api/params")
def params() -> list[dict[str, Any]]:
    return plan.params_table()


@router.get("/api/plan", response_model=None)
def plan_view(request: Request, url: str | None = None, query: str | None = None) -> dict[str, Any] | JSONResponse:
    if url is None and query is None:
        return error("Expected a `url` or `query` parameter")
    return plan.plan(url=url, query=query, token=_service(request).token)


@router.get("/api/sources")
async def list_sources(request: Request) -> list[dict[str, Any]]:
    files = await run_in_threadpool(_service(request).library.list)
    return [f.to_json() for f in files]


@router.post("/api/sources", response_model=None)
async def upload_source(request: Request, file: UploadFile = File(...)) -> dict[str, Any] | JSONResponse:  # noqa: B008
    s = _service(request)
    data = await file.read(s.settings.max_upload_bytes + 1)
    try:
        saved = await run_in_threadpool(s.library.save, file.filename or "upload", data)
    except LibraryError as exc:
        return error(exc.message, exc.status)
    s.metrics.uploads.inc()
    log.info("source uploaded", extra={"fields": {"source": saved.name, "bytes": saved.size}})
    return saved.to_json()


@router.get("/api/sources/{name}", response_model=None)
def get_source(request: Request, name: str) -> Response:
    try:
        path = _service(request).library.find(name)
    except LibraryError as exc:
        return error(exc.message, exc.status)
    return FileResponse(path, headers={"Cache-Control": "no-cache", **UPLOAD_SAFETY})


@router.get("/api/outputs/{job_id}/{name}", response_model=None)
def get_output(request: Request, job_id: str, name: str, download: bool = False) -> Response:
    try:
        path = _service(request).outputs.file(job_id, name)
    except LibraryError as exc:
        return error(exc.message, exc.status)
    return FileResponse(path, filename=name if download else None, headers=UPLOAD_SAFETY,
                        content_disposition_type="attachment" if download else "inline")  # fmt: skip


@router.post("/api/process", response_model=None)
async def devtool_process(request: Request) -> JSONResponse:
    body = await _json_body(request)
    if isinstance(body, JSONResponse):
        return body
    job_request = body.get("request", body) if isinstance(body, dict) else body
    return await _process(request, job_request, rewrite_all=True)


@router.post("/process", response_model=None)
async def process(request: Request) -> JSONResponse:
    body = await _json_body(request)
    if isinstance(body, JSONResponse):
        return body
    return await _process(request, body, rewrite_all=False)


MAX_JSON_BYTES = 1024 * 1024
"""Largest request body accepted by ``/process`` and ``/api/process`` (1 MiB: requests, not images)."""


def _cross_site(request: Request) -> bool:
    """True when a browser sent the request from another origin (CSRF: ``Origin`` not this host)."""
    origin = request.headers.get("origin")
    if not origin:
        return False
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") != host


async def _json_body(request: Request) -> Any:
    """The JSON body of a POST, or the error response (415 not JSON, 403 cross-site, 413 too big,
    400 malformed or too deeply nested)."""
    rejected = _service(request).metrics.jobs.labels("rejected")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        rejected.inc()
        return error("send the request as JSON (Content-Type: application/json)", 415)
    if _cross_site(request):
        rejected.inc()
        return error("cross-site requests are refused (the Origin is not this service)", 403)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_JSON_BYTES:
            rejected.inc()
            return error(f"the request body is larger than the {format_bytes(MAX_JSON_BYTES)} limit", 413)
    try:
        return await run_in_threadpool(json.loads, bytes(raw))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        rejected.inc()
        return error(f"the request body is not valid JSON: {exc}")
    except RecursionError:
        rejected.inc()
        return error("the request body is nested too deeply")


async def _process(request: Request, job_request: Any, *, rewrite_all: bool) -> JSONResponse:
    s = _service(request)
    try:
        job = await run_in_threadpool(
            jobs.prepare, job_request, s.library, s.outputs, rewrite_all=rewrite_all,
            max_renditions=s.settings.max_renditions,
        )  # fmt: skip
    except jobs.RequestError as exc:
        s.metrics.jobs.labels("rejected").inc()
        log.info("request rejected", extra={"fields": {"error": exc.message, "status": exc.status}})
        return error(exc.message, exc.status)
    try:
        return await _run(s, job)
    finally:
        s.outputs.finish(job.job_id)  # done, failed or abandoned: its folder may now be pruned


async def _run(s: Service, job: jobs.PreparedJob) -> JSONResponse:
    """Wait for a job slot, run the prepared job and answer its result."""
    if s.worker_config is None:
        return error("the service is not ready (its renderer has not started)", 503)
    queued = time.perf_counter()
    async with s.jobs:
        wait_ms = (time.perf_counter() - queued) * 1000
        s.metrics.jobs_in_progress.inc()
        start = time.perf_counter()
        try:
            result = await run_in_threadpool(jobs.execute, job, s.worker_config, s.token)
        except Exception as exc:
            s.metrics.jobs.labels("error").inc()
            log.exception("job failed unexpectedly", extra={"fields": {"job": job.job_id}})
            return error(f"internal error while running the job: {type(exc).__name__}: {exc}", 500)
        finally:
            s.metrics.jobs_in_progress.dec()
    seconds = time.perf_counter() - start
    s.metrics.record_job(result["renditions"], seconds)
    result["timings"].update({"queueMs": round(wait_ms, 1), "totalMs": round(seconds * 1000, 1)})
    fields = {"job": job.job_id, "source": result["source"]["name"], "renditions": len(result["renditions"]),
              "failed": result["failed"], "ms": round(seconds * 1000, 1)}  # fmt: skip
    log.info("job finished", extra={"fields": fields})
    return JSONResponse(result, headers={"Cache-Control": "no-store"})
