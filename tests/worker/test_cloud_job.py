"""The whole AEM-like job against real stores on loopback (issue #5 acceptance):

source in the "source" container -> staged in the "imgix" container/bucket -> rendered by the
embedded renderer reading from Azure (Azurite) or S3 (moto) -> renditions uploaded through SAS /
presigned multipart URLs -> committed as AEM does -> downloaded back and checked (size, format, pixels).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import EXAMPLES, decode, mad
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render
from imgworker.storage.aem_sim import prepare, verify
from imgworker.storage.staging import is_staged_key
from imgworker.worker.config import WorkerConfig
from imgworker.worker.job import run_job
from plugins.services import AzuriteService, MotoS3Service

PHOTO = EXAMPLES / "chelsea.png"  # 451x300
RENDITIONS: list[dict[str, Any]] = [
    {"name": "thumb.jpg", "fmt": "jpg", "imgix": {"w": 200, "h": 200, "fit": "crop", "crop": "entropy"}},
    {"name": "wide.webp", "fmt": "webp", "imgix": '{"w": 300, "fm": "webp"}'},
    {"name": "round.png", "fmt": "png", "imgix": {"w": 120, "h": 120, "fit": "crop", "mask": "ellipse"}},
]
EXPECTED = {"thumb.jpg": ("jpeg", 200, 200), "wide.webp": ("webp", 300, 200), "round.png": ("png", 120, 120)}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _stores(service: AzuriteService | MotoS3Service, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, Any]:
    """Point imgworker at ``service`` and make fresh source, imgix (staging) and rendition containers."""
    for key, value in service.env().items():
        monkeypatch.setenv(key, value)
    return service.store(_name("source")), service.store(_name("imgix")), service.store(_name("aem"))


def _check_renditions(request: dict[str, Any], checks: list[Any]) -> None:
    assert all(c.ok for c in checks), [c.problem for c in checks]
    for check in checks:
        fmt, width, height = EXPECTED[check.name]
        assert (check.format, check.width, check.height) == (fmt, width, height)
    # pixels: the JPEG thumbnail equals the renderer's own output for the same parameters
    thumb = next(c for c in checks if c.name == "thumb.jpg")
    ref = render(PHOTO.read_bytes(), parse_query("w=200&h=200&fit=crop&crop=entropy&fm=jpg")).data
    assert mad(decode(thumb.data), decode(ref)) < 1.0


def test_azure_job_end_to_end(azurite: AzuriteService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source, imgix, renditions = _stores(azurite, monkeypatch)
    request = prepare(source, renditions, PHOTO, RENDITIONS, part_count=3)
    assert request["source"]["url"].startswith("http://127.0.0.1:")  # a read SAS
    assert all("comp=block" in r["target"]["urls"][0] for r in request["renditions"])  # Put Block URLs

    report = run_job(request, WorkerConfig(staging_store=f"azure://{imgix.url.split('://')[1]}"))
    assert report.failed == 0, report.events
    staged = list(imgix.list())
    assert len(staged) == 1 and is_staged_key(staged[0])  # the content-addressed copy imgix reads
    _check_renditions(request, verify(request, renditions))


def test_s3_job_end_to_end(moto_s3: MotoS3Service, monkeypatch: pytest.MonkeyPatch) -> None:
    source, imgix, renditions = _stores(moto_s3, monkeypatch)
    request = prepare(source, renditions, PHOTO, RENDITIONS, part_count=2)
    report = run_job(request, WorkerConfig(staging_store=f"s3://{imgix.url.split('://')[1]}"))
    assert report.failed == 0, report.events
    assert [k for k in imgix.list() if is_staged_key(k)]
    _check_renditions(request, verify(request, renditions))


def test_expired_target_sas_fails_terminally_and_leaves_nothing(
    azurite: AzuriteService, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, imgix, renditions = _stores(azurite, monkeypatch)
    good = prepare(source, renditions, PHOTO, RENDITIONS[:1], part_count=2)
    expired = prepare(source, renditions, PHOTO, [dict(RENDITIONS[1], name="late.webp")], part_count=2, expires_in=-60)
    request = dict(good, renditions=good["renditions"] + [dict(expired["renditions"][0])])
    started = time.monotonic()
    report = run_job(request, WorkerConfig(staging_store=f"azure://{imgix.url.split('://')[1]}"))
    elapsed = time.monotonic() - started
    created, failed = report.events
    assert created["type"] == "rendition_created"
    assert failed["type"] == "rendition_failed" and "403" in failed["errorMessage"]
    assert "sig=" not in failed["errorMessage"]  # the presigned query is redacted
    assert elapsed < 10  # 403 is terminal: no retry storm
    checks = verify(request, renditions, expect_failed={"late.webp"})
    assert all(c.ok for c in checks), [c.problem for c in checks]
    assert not renditions.exists(request["renditions"][1]["userData"]["path"])


def test_expired_source_sas_fails_every_rendition(azurite: AzuriteService, monkeypatch: pytest.MonkeyPatch) -> None:
    source, imgix, renditions = _stores(azurite, monkeypatch)
    request = prepare(source, renditions, PHOTO, RENDITIONS[:2], part_count=2)
    request["source"]["url"] = source.presigned_read_url(request["userData"]["aemSim"]["sourceKey"], -60)
    report = run_job(request, WorkerConfig(staging_store=f"azure://{imgix.url.split('://')[1]}"))
    assert [e["type"] for e in report.events] == ["rendition_failed", "rendition_failed"]
    assert all("403" in e["errorMessage"] for e in report.events)
    assert not list(imgix.list())  # nothing was staged
    assert not any(np.asarray([renditions.exists(r["userData"]["path"]) for r in request["renditions"]]))
