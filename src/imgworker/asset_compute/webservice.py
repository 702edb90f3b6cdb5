"""The in-process web action service (Starlette): the web-action hop without OpenWhisk.

Routes (bind 127.0.0.1 by default, see ``imgworker web-action``):

* ``POST /`` and ``POST /api/v1/web/{namespace}/{package}/{action}``: the web action of
  :mod:`.webaction`; the request body (JSON object, at most 1 MB like OpenWhisk) carries ``source``,
  ``renditions``, ``userData``. Answers 200 ``{"activationId"}`` at once and runs the activation as a
  background task of this process (the reference re-invokes itself through OpenWhisk instead), with
  ``deadline = now + action_timeout`` and ``customWorker: true``. More than ``max_activations`` running
  -> 429. ``OPTIONS`` -> 204 with ``Allow``; any other method -> 405. A body that is not a JSON object
  (400) or is too large (413) counts as a failed activation in the metrics (``GenericError``, location
  ``<action>_validate``), as a request the SDK's validation refuses does; 401, 405 and 429 do not (no
  activation was attempted, and unauthenticated calls cannot move the counter).
* ``GET /activations/{activationId}``: ``{"activationId", "status": running|succeeded|failed,
  "result"?, "error"?}`` (the last 1000 activations), 404 when unknown.
* ``GET /metrics``: Prometheus text format of :data:`imgworker.asset_compute.metrics.REGISTRY`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig
from imgworker.asset_compute.errors import GenericError, error_to_dict
from imgworker.asset_compute.metrics import REGISTRY, ActivationMetrics
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.webaction import (
    METHODS_MESSAGE,
    WebActionError,
    bearer_token,
    build_async_params,
    token_claims,
)
from imgworker.asset_compute.worker import AssetComputeWorker

log = get_logger(__name__)
MAX_BODY = 1024 * 1024
KEEP = 1000


class ActivationStore:
    """Recent in-process activations and their background tasks."""

    def __init__(self) -> None:
        self.records: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def running(self) -> int:
        return len(self.tasks)

    def start(
        self, worker: AssetComputeWorker, params: dict[str, Any], context: ActivationContext, config: AssetComputeConfig
    ) -> None:
        record: dict[str, Any] = {"activationId": context.activation_id, "status": "running", "start": time.time()}
        self.records[context.activation_id] = record
        while len(self.records) > KEEP:
            self.records.popitem(last=False)
        task = asyncio.create_task(self._run(worker, params, context, config, record))
        self.tasks[context.activation_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(context.activation_id, None))

    async def _run(
        self,
        worker: AssetComputeWorker,
        params: dict[str, Any],
        context: ActivationContext,
        config: AssetComputeConfig,
        record: dict[str, Any],
    ) -> None:
        try:
            record["result"] = await worker.run(params, context=context, config=config)
            record["status"] = "succeeded"
        except Exception as exc:
            log.error("activation %s failed: %s", context.activation_id, exc)
            record["status"], record["error"] = "failed", error_to_dict(exc)
        finally:
            record["end"] = time.time()

    async def wait(self, activation_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Wait until ``activation_id`` is done; returns its record (KeyError when unknown)."""
        task = self.tasks.get(activation_id)
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        return self.records[activation_id]

    async def close(self, grace: float = 10.0) -> None:
        """Wait up to ``grace`` seconds for running activations, then cancel them."""
        tasks = list(self.tasks.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


def create_app(
    worker: AssetComputeWorker, config: AssetComputeConfig | None = None, *, action_name: str = "worker"
) -> Starlette:
    """The service for ``worker``; ``app.state.activations`` is its :class:`ActivationStore`."""
    cfg = config or worker.config or AssetComputeConfig.from_env()
    store = ActivationStore()

    async def web_action(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"allow": "OPTIONS, POST"})
        try:
            if request.method != "POST":
                raise WebActionError(405, METHODS_MESSAGE)
            token_claims(bearer_token(request.headers), cfg)  # 401 before the body is read
            body = await _body_or_rejected(request, action_name)
            params = build_async_params(request.method, dict(request.headers), body, cfg)
            if store.running >= cfg.max_activations:
                raise WebActionError(429, f"Async invocation of {action_name} failed with HTTP status code 429")
        except WebActionError as exc:
            return JSONResponse({"message": exc.message}, status_code=exc.status)
        context = ActivationContext(
            activation_id=uuid.uuid4().hex,
            action_name=action_name,
            deadline_ms=int((time.time() + cfg.action_timeout) * 1000),
        )
        store.start(worker, params, context, cfg)
        log.info("accepted request %s as activation %s", params.get("requestId"), context.activation_id)
        return JSONResponse({"activationId": context.activation_id})

    async def activation(request: Request) -> Response:
        record = store.records.get(request.path_params["activation_id"])
        if record is None:
            return JSONResponse({"message": "Unknown activation"}, status_code=404)
        return JSONResponse(record)

    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await store.close()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    app = Starlette(
        routes=[
            Route("/metrics", metrics, methods=["GET"]),
            Route("/activations/{activation_id}", activation, methods=["GET"]),
            Route("/", web_action, methods=methods),
            Route("/api/v1/web/{path:path}", web_action, methods=methods),
        ],
        lifespan=lifespan,
    )
    app.state.activations = store
    return app


async def _body_or_rejected(request: Request, action_name: str) -> dict[str, Any]:
    """The JSON body; a 400/413 refusal is also counted as a failed activation (``metrics.rejected``)."""
    try:
        return await _json_body(request)
    except WebActionError as exc:
        context = ActivationContext(action_name=action_name)
        location = f"{context.short_name}_validate"
        ActivationMetrics(context, request.headers.get("x-request-id")).rejected(
            GenericError(exc.message, location), location
        )
        raise


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise WebActionError(413, "The request body exceeds 1 MB")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise WebActionError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise WebActionError(400, "The request body must be a JSON object")
    return body
