"""metrics: JSON metric records and Prometheus collectors."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from imgworker.asset_compute.config import ActivationContext
from imgworker.asset_compute.errors import GenericError, SourceCorruptError, SourceUnsupportedError
from imgworker.asset_compute.metrics import REGISTRY, ActivationMetrics


def _value(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_records_and_counters(caplog: pytest.LogCaptureFixture) -> None:
    ctx = ActivationContext(activation_id="m1", action_name="/ns/pkg/myworker", namespace="ns")
    before_created = _value("asset_compute_renditions_total", {"outcome": "created", "reason": ""})
    before_corrupt = _value("asset_compute_renditions_total", {"outcome": "failed", "reason": "SourceCorrupt"})
    before_custom = _value("asset_compute_renditions_total", {"outcome": "failed", "reason": "custom"})
    before_ok = _value("asset_compute_activations_total", {"outcome": "ok"})
    metrics = ActivationMetrics(ctx, "req-m")
    with caplog.at_level(logging.INFO, logger="imgworker.asset_compute.metrics"):
        metrics.start(2, 1000, "image/jpeg")
        metrics.download(0.5, 1000)
        metrics.rendition(
            {"fmt": "png", "target": "https://h/p?sig=1", "w": 10, "nested": {"a": 1}},
            "rendition0.png",
            {"processingDuration": 0.2, "uploadDuration": 0.1, "renditionDuration": 0.3},
            77,
        )
        metrics.error(SourceCorruptError("bad"), "myworker_process", "rendition1.png")
        metrics.error(GenericError("x", "myworker_upload"), "myworker_process")

        class Custom(Exception):
            reason = "Mine"

        metrics.error(Custom("c"), "myworker_process")
        metrics.add(custom=1)
        final = metrics.finish("ok")
    records: list[dict[str, Any]] = [r.fields for r in caplog.records]  # type: ignore[attr-defined]
    assert [r["eventType"] for r in records] == [
        "activation_start",
        "rendition",
        "client_error",
        "error",
        "error",
        "activation",
    ]
    assert records[0]["renditionCount"] == 2 and records[0]["sourceSize"] == 1000
    rendition = records[1]
    assert (rendition["renditionName"], rendition["renditionFormat"], rendition["size"], rendition["w"]) == (
        "rendition0.png",
        "png",
        77,
        10,
    )
    assert "target" not in rendition and "nested" not in rendition
    assert (rendition["downloadDuration"], rendition["uploadDuration"]) == (0.5, 0.1)
    assert records[2]["reason"] == "SourceCorrupt" and records[3]["location"] == "myworker_upload"
    assert records[4]["location"] == "myworker_process"
    assert (
        final["downloadDuration"],
        final["processingDuration"],
        final["totalRenditionsSize"],
        final["renditionErrors"],
        final["custom"],
        final["actionName"],
        final["requestId"],
    ) == (0.5, 0.2, 77, 3, 1, "myworker", "req-m")
    assert _value("asset_compute_renditions_total", {"outcome": "created", "reason": ""}) == before_created + 1
    assert _value("asset_compute_renditions_total", {"outcome": "failed", "reason": "SourceCorrupt"}) == (
        before_corrupt + 1
    )
    assert _value("asset_compute_renditions_total", {"outcome": "failed", "reason": "custom"}) == before_custom + 1
    assert _value("asset_compute_activations_total", {"outcome": "ok"}) == before_ok + 1
    assert _value("asset_compute_phase_duration_seconds_count", {"phase": "upload"}) >= 1
    assert _value("asset_compute_size_bytes_sum", {"kind": "rendition"}) >= 77


def test_rejected_request_is_a_failed_activation(caplog: pytest.LogCaptureFixture) -> None:
    ctx = ActivationContext(activation_id="m2", action_name="/ns/pkg/myworker")
    before_failed = _value("asset_compute_activations_total", {"outcome": "failed"})
    before_renditions = _value("asset_compute_renditions_total", {"outcome": "failed", "reason": "SourceUnsupported"})
    with caplog.at_level(logging.INFO, logger="imgworker.asset_compute.metrics"):
        final = ActivationMetrics(ctx, "req-r").rejected(SourceUnsupportedError("http only"), "myworker_validate")
        ActivationMetrics(ctx, None).rejected(GenericError("bad body", "myworker_validate"), "ignored")
    records: list[dict[str, Any]] = [r.fields for r in caplog.records]  # type: ignore[attr-defined]
    assert [r["eventType"] for r in records] == ["client_error", "activation", "error", "activation"]
    assert (records[0]["reason"], records[0]["requestId"]) == ("SourceUnsupported", "req-r")
    assert records[2]["location"] == "myworker_validate"
    assert (final["outcome"], final["renditionErrors"], final["activationId"]) == ("failed", 0, "m2")
    assert _value("asset_compute_activations_total", {"outcome": "failed"}) == before_failed + 2
    assert (
        _value("asset_compute_renditions_total", {"outcome": "failed", "reason": "SourceUnsupported"})
        == before_renditions
    )
