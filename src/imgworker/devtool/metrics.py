"""Prometheus metrics of the service, in a registry of its own (scraped at ``GET /metrics``).

Names (all prefixed ``imgworker_``):

==========================================  =========  ==========================================
name                                         type       labels
==========================================  =========  ==========================================
``imgworker_jobs_total``                     counter    ``result``: ``ok`` (every rendition made),
                                                        ``failed`` (some failed), ``rejected``
                                                        (bad request, 4xx before running),
                                                        ``error`` (unexpected failure, 500)
``imgworker_job_duration_seconds``           histogram  (jobs that ran)
``imgworker_renditions_created_total``       counter    ``format`` (``image/jpeg`` ...)
``imgworker_renditions_failed_total``        counter    ``reason`` (Asset Compute ``errorReason``)
``imgworker_rendition_duration_seconds``     histogram  (sign + render + deliver of one rendition)
``imgworker_render_requests_total``          counter    ``status`` (HTTP), ``via`` (``worker``: the
                                                        service's worker; ``public``: ``/render``)
``imgworker_render_duration_seconds``        histogram  ``via``
``imgworker_uploads_total``                  counter    (sources uploaded)
``imgworker_jobs_in_progress``               gauge      (jobs running now)
==========================================  =========  ==========================================

plus the standard ``process_*``, ``python_gc_*`` and ``python_info`` collectors, and the registries
in ``extra_registries`` (the Asset Compute web action's ``asset_compute_*`` metrics when mounted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.types import ASGIApp, Scope

from imgworker.devtool.observe import ObserveResponses

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "RenderMetrics"]

_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The service's instruments; each instance has its own :class:`CollectorRegistry`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.extra_registries: list[CollectorRegistry] = []
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.jobs = Counter("imgworker_jobs", "Processing jobs by result.", ["result"], registry=r)
        self.job_seconds = Histogram(
            "imgworker_job_duration_seconds", "Wall time of a job.", buckets=_BUCKETS, registry=r
        )
        self.jobs_in_progress = Gauge("imgworker_jobs_in_progress", "Jobs running now.", registry=r)
        self.created = Counter("imgworker_renditions_created", "Renditions created, by format.", ["format"], registry=r)
        self.failed = Counter(
            "imgworker_renditions_failed", "Renditions failed, by Asset Compute reason.", ["reason"], registry=r
        )
        self.rendition_seconds = Histogram(
            "imgworker_rendition_duration_seconds", "Time to make one rendition.", buckets=_BUCKETS, registry=r
        )
        self.render_requests = Counter(
            "imgworker_render_requests", "Requests answered by the renderer.", ["status", "via"], registry=r
        )
        self.render_seconds = Histogram(
            "imgworker_render_duration_seconds", "Renderer response time.", ["via"], buckets=_BUCKETS, registry=r
        )
        self.uploads = Counter("imgworker_uploads", "Sources uploaded.", registry=r)
        for result in ("ok", "failed", "rejected", "error"):
            self.jobs.labels(result)

    def record_job(self, renditions: Sequence[Mapping[str, Any]], seconds: float) -> None:
        """Count a finished job and its renditions (``{"ok", "format", "reason", "ms"}`` each)."""
        failed = any(not r.get("ok") for r in renditions)
        self.jobs.labels("failed" if failed or not renditions else "ok").inc()
        self.job_seconds.observe(seconds)
        for r in renditions:
            if r.get("ok"):
                self.created.labels(str(r.get("format") or "unknown")).inc()
            else:
                self.failed.labels(str(r.get("reason") or "GenericError")).inc()
            self.rendition_seconds.observe(float(r.get("ms") or 0.0) / 1000)

    def exposition(self) -> bytes:
        """The text exposition format (``CONTENT_TYPE_LATEST``)."""
        return b"".join(generate_latest(r) for r in [self.registry, *self.extra_registries])


class RenderMetrics(ObserveResponses):
    """ASGI middleware around the renderer app: counts responses by status and times them.

    ``via`` is taken from the ASGI scope key ``imgworker.via`` (set by whoever routes the request),
    default ``public``.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def observed(self, scope: Scope, status: int, seconds: float) -> None:
        via = str(scope.get("imgworker.via", "public"))
        self.metrics.render_requests.labels(str(status), via).inc()
        self.metrics.render_seconds.labels(via).observe(seconds)
