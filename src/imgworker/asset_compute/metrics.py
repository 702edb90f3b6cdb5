"""Activation and rendition metrics: structured JSON log records and Prometheus collectors.

Mirrors the metric events of asset-compute-commons ``lib/metrics.js`` and asset-compute-sdk
``lib/worker.js`` (spec 5.3), without New Relic: each metric is one log record on the logger
``imgworker.asset_compute.metrics`` whose ``fields`` hold ``{"eventType", "timestamp" (epoch ms),
"activationId", "actionName", "requestId", ...}``. Durations are seconds, sizes bytes.

==================  =================================================================================
eventType           fields
==================  =================================================================================
activation_start    ``renditionCount``, ``sourceSize``/``sourceMimetype`` when known
rendition           ``renditionName``, ``renditionFormat``, ``downloadDuration``, ``processingDuration``,
                    ``uploadDuration``, ``renditionDuration``, ``size``
client_error        ``reason``, ``message`` (+ rendition fields) for ClientErrors
error               ``location``, ``message`` (+ rendition fields) for anything else
timeout             ``duration``
activation          ``duration``, summed ``downloadDuration``/``processingDuration``/``uploadDuration``,
                    ``totalRenditionsSize``, ``renditionErrors``, custom fields from :meth:`add`
==================  =================================================================================

A request refused before any rendition started (the SDK's validation; the web action's 400/413 for a
bad body) gets its ``client_error``/``error`` record and an ``activation`` record with outcome ``failed``
(:meth:`ActivationMetrics.rejected`), so ``asset_compute_activations_total`` counts it too.

Prometheus collectors live in :data:`REGISTRY` (served at ``/metrics`` by the web action service).
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from imgworker.asset_compute.config import ActivationContext
from imgworker.asset_compute.errors import ClientError, Reason, event_message, event_reason
from imgworker.asset_compute.redact import get_logger

log = get_logger("imgworker.asset_compute.metrics")
REGISTRY = CollectorRegistry()
_SECONDS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
_BYTES = tuple(float(4**k) for k in range(5, 16))  # 1 KiB .. 1 GiB

ACTIVATIONS = Counter("asset_compute_activations", "Activations by outcome", ["outcome"], registry=REGISTRY)
RENDITIONS = Counter(
    "asset_compute_renditions", "Renditions by outcome and errorReason", ["outcome", "reason"], registry=REGISTRY
)
DURATIONS = Histogram(
    "asset_compute_phase_duration_seconds",
    "Duration of download, processing, upload, rendition and activation phases",
    ["phase"],
    buckets=_SECONDS,
    registry=REGISTRY,
)
SIZES = Histogram("asset_compute_size_bytes", "Source and rendition sizes", ["kind"], buckets=_BYTES, registry=REGISTRY)
EVENT_FAILURES = Counter(
    "asset_compute_event_send_failures", "Events not delivered after retries", ["sender"], registry=REGISTRY
)
TIMEOUTS = Counter("asset_compute_timeouts", "Activations that reached deadline - buffer", registry=REGISTRY)


def _reason_label(reason: str) -> str:
    return reason if reason in Reason.__members__ else "custom"


class ActivationMetrics:
    """Metrics of one activation. Callbacks see it as ``params["metrics"]`` and may call :meth:`add`."""

    def __init__(self, context: ActivationContext, request_id: str | None) -> None:
        self.context = context
        self.request_id = request_id
        self.started = time.monotonic()
        self.custom: dict[str, Any] = {}
        self.totals = {"downloadDuration": 0.0, "processingDuration": 0.0, "uploadDuration": 0.0}
        self.total_size = 0
        self.errors = 0

    def add(self, **fields: Any) -> None:
        """Custom fields added to the final ``activation`` metric (the SDK's ``metrics.add``)."""
        self.custom.update(fields)

    def emit(self, event_type: str, **fields: Any) -> dict[str, Any]:
        """Log one metric record and return its fields."""
        record = {
            "eventType": event_type,
            "timestamp": int(time.time() * 1000),
            "activationId": self.context.activation_id,
            "actionName": self.context.short_name,
            "namespace": self.context.namespace,
            "requestId": self.request_id,
            **fields,
        }
        log.info("metric %s", event_type, extra={"fields": record})
        return record

    def start(self, rendition_count: int, source_size: int | None, source_mimetype: str | None) -> None:
        """``activation_start``."""
        extra = {k: v for k, v in (("sourceSize", source_size), ("sourceMimetype", source_mimetype)) if v}
        self.emit("activation_start", renditionCount=rendition_count, **extra)

    def download(self, seconds: float, size: int) -> None:
        """Record the source download."""
        self.totals["downloadDuration"] += seconds
        DURATIONS.labels("download").observe(seconds)
        SIZES.labels("source").observe(size)

    def rendition(self, instructions: dict[str, Any], name: str, durations: dict[str, float], size: int) -> None:
        """``rendition``: one success. ``durations`` keys: ``processingDuration``, ``uploadDuration``, ..."""
        for key in ("processingDuration", "uploadDuration"):
            self.totals[key] += durations.get(key, 0.0)
            DURATIONS.labels(key.removesuffix("Duration")).observe(durations.get(key, 0.0))
        DURATIONS.labels("rendition").observe(durations.get("renditionDuration", 0.0))
        SIZES.labels("rendition").observe(size)
        RENDITIONS.labels("created", "").inc()
        self.total_size += size
        fields = {k: v for k, v in instructions.items() if k not in ("target", "url") and _scalar(v)}
        download = round(self.totals["downloadDuration"], 6)  # the activation's download, as the reference
        self.emit(
            "rendition",
            **fields,
            renditionName=name,
            renditionFormat=instructions.get("fmt"),
            downloadDuration=download,
            **durations,
            size=size,
        )

    def error(self, err: BaseException, location: str, rendition_name: str | None = None) -> None:
        """``client_error`` (ClientError) or ``error`` (anything else) for a failed rendition or activation."""
        self.errors += 1
        RENDITIONS.labels("failed", _reason_label(event_reason(err))).inc()
        self._error_record(err, location, rendition_name)

    def rejected(self, err: BaseException, location: str) -> dict[str, Any]:
        """A request refused before any rendition started: the SDK's parameter validation or the web
        action's body checks (400/413). Counted as a failed activation, like one whose download failed:
        the ``client_error``/``error`` record of :meth:`error` (``reason`` is the errorReason, e.g.
        ``SourceUnsupported``; ``location`` defaults to ``location``, e.g. ``<action>_validate``), then
        :meth:`finish` with outcome ``failed``. No rendition is counted: none was attempted, and no
        event is sent (spec 0.2 item 8). Returns the ``activation`` record."""
        self._error_record(err, location, None)
        return self.finish("failed")

    def _error_record(self, err: BaseException, location: str, rendition_name: str | None) -> None:
        extra = {"renditionName": rendition_name} if rendition_name else {}
        if isinstance(err, ClientError):
            self.emit("client_error", reason=event_reason(err), message=event_message(err), **extra)
        else:
            where = getattr(err, "location", None) or location
            self.emit("error", location=where, message=event_message(err), **extra)

    def timeout(self) -> None:
        """``timeout``: the deadline handler fired."""
        TIMEOUTS.inc()
        self.emit("timeout", duration=round(time.monotonic() - self.started, 3))

    def finish(self, outcome: str) -> dict[str, Any]:
        """``activation``: totals; ``outcome`` (the ``asset_compute_activations_total`` label) is ``ok``,
        ``failed`` (a fatal error: validation, download), ``timeout`` or ``cancelled`` (service shutdown)."""
        duration = time.monotonic() - self.started
        ACTIVATIONS.labels(outcome).inc()
        DURATIONS.labels("activation").observe(duration)
        return self.emit(
            "activation",
            duration=round(duration, 3),
            **{k: round(v, 3) for k, v in self.totals.items()},
            totalRenditionsSize=self.total_size,
            renditionErrors=self.errors,
            outcome=outcome,
            **self.custom,
        )


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
