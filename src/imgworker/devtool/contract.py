"""The Asset Compute web action (:mod:`imgworker.asset_compute.webservice`) inside the service.

Mounted at :data:`PREFIX` (``/api/v1/asset-compute``): ``POST /api/v1/asset-compute/`` with
``Authorization: Bearer <IMS token>`` answers ``{"activationId"}`` at once and runs the activation in
the background; ``GET /api/v1/asset-compute/activations/{id}`` shows its result. The worker is the
one named by ``IMGWORKER_ASSET_COMPUTE_WORKER`` (``module:attr``; default: the imgix worker,
``imgworker.worker.action:main``), configured by the ``ASSET_COMPUTE_*`` variables
(:class:`imgworker.asset_compute.config.AssetComputeConfig`). Its Prometheus registry is added to
the service's ``/metrics``. A worker or configuration that cannot be loaded is logged as a warning
and the service runs without this mount (``POST /process`` stays available).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp

from imgworker.devtool.logs import get_logger

PREFIX = "/api/v1/asset-compute"
log = get_logger("contract")


@dataclass(frozen=True)
class WebAction:
    """The mounted app, its metrics registry, ``close(grace_seconds)`` and the worker it runs."""

    app: ASGIApp
    registry: CollectorRegistry
    close: Callable[[float], Awaitable[None]]
    worker_ref: str


def load_web_action() -> WebAction | None:
    """Build the web action service from the environment; ``None`` (logged) when it cannot be loaded."""
    try:
        from imgworker.asset_compute.config import AssetComputeConfig
        from imgworker.asset_compute.metrics import REGISTRY
        from imgworker.asset_compute.webservice import create_app
        from imgworker.asset_compute.worker import load_worker

        config = AssetComputeConfig.from_env()
        worker = load_worker(config.worker_ref)
        app = create_app(worker, config, action_name="imgworker")
    except (ImportError, AttributeError, ValueError, TypeError, OSError) as exc:
        log.warning("Asset Compute web action not mounted: %s", exc, extra={"fields": {"error": str(exc)}})
        return None
    return WebAction(app, REGISTRY, app.state.activations.close, config.worker_ref)
