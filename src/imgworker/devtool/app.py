"""The service behind ``imgworker serve``: devtool page, JSON API, worker endpoint, renderer, probes.

Routes (see :mod:`imgworker.devtool.api` for the JSON API)::

    GET  /                       the devtool page (static/index.html; /static/app.js, /static/app.css)
    /api/...                     the page's JSON API
    POST /process                an Asset Compute request in, the job result out (synchronous)
    /api/v1/asset-compute/...    the Asset Compute web action (Bearer auth, async; :mod:`.contract`)
    GET  /render/{path}?{imgix}  the embedded imgix-compatible renderer (signed with the token)
    GET  /healthz                200 {"status": "ok"} while the process runs (liveness)
    GET  /readyz                 200 {"status": "ready"} once the renderer listens; 503 before and
                                 during shutdown
    GET  /metrics                Prometheus text format (:mod:`imgworker.devtool.metrics`)

The worker inside the service reaches the renderer through a loopback listener that serves the same
renderer app instance (see :mod:`imgworker.devtool.mount` for why, and for how signing stays valid
under the ``/render`` mount). With ``IMGIX_DOMAIN`` set, the worker uses that domain instead, and
``/render`` still serves the local staging store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from imgworker import __version__
from imgworker.devtool.api import router
from imgworker.devtool.contract import PREFIX, load_web_action
from imgworker.devtool.logs import AccessLog, get_logger
from imgworker.devtool.metrics import CONTENT_TYPE_LATEST, RenderMetrics
from imgworker.devtool.mount import LoopbackServer, StripPrefix, Tag
from imgworker.devtool.settings import ServiceSettings
from imgworker.devtool.state import Service
from imgworker.render.server import RendererConfig
from imgworker.render.server import create_app as create_renderer
from imgworker.render.sources import Origin
from imgworker.storage import open_store

STATIC = Path(__file__).parent / "static"
log = get_logger("service")


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service as an ASGI app; nothing listens until it is served (uvicorn runs the lifespan).

    Args:
        settings: default :meth:`ServiceSettings.from_env`.

    Raises:
        ValueError: an unusable ``IMGWORKER_STAGING_STORE`` URL (from :func:`open_store`).
    """
    settings = settings or ServiceSettings.from_env()
    service = Service.create(settings)
    origin = Origin(open_store(settings.worker.staging_store))
    renderer = RenderMetrics(create_renderer(RendererConfig(origin=origin, token=service.token)), service.metrics)
    web_action = load_web_action()
    if web_action is not None:
        service.metrics.extra_registries.append(web_action.registry)
        service.web_action = f"{PREFIX}/ (worker {web_action.worker_ref})"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.worker.embedded:
            service.loopback = LoopbackServer(Tag(renderer, "worker"), grace=settings.shutdown_timeout)
            await run_in_threadpool(service.loopback.start)
            domain = service.loopback.base_url
            service.worker_config = replace(settings.worker, imgix_domain=domain, secure_token=service.token)
        else:
            service.worker_config = settings.worker
        service.ready = True
        log.info("service started", extra={"fields": {"version": __version__, "renderer": service.renderer_description,
                 "token_source": service.token_source, "data_dir": str(settings.data_dir)}})  # fmt: skip
        try:
            yield
        finally:
            service.ready = False
            if web_action is not None:
                await web_action.close(settings.shutdown_timeout)
            if service.loopback is not None:
                await run_in_threadpool(service.loopback.stop)
            log.info("service stopped")

    app = FastAPI(title="imgworker", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service = service
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", response_model=None)
    def readyz() -> JSONResponse:
        listening = service.loopback is None or service.loopback.running
        ok = service.ready and listening and service.worker_config is not None
        return JSONResponse({"status": "ready" if ok else "not ready", "renderer": service.renderer_description},
                            status_code=200 if ok else 503)  # fmt: skip

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(service.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/render", StripPrefix(renderer, via="public"), name="render")
    if web_action is not None:
        app.mount(PREFIX, web_action.app, name="asset-compute")
    app.add_middleware(AccessLog)
    return app
