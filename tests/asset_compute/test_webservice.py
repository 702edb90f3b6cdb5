"""webservice: the in-process web action (answers at once, processes in the background), /metrics."""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import replace
from typing import Any

import httpx
import pytest

from imgworker.asset_compute import AssetComputeConfig, worker
from imgworker.asset_compute.metrics import REGISTRY
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.source import Source
from imgworker.asset_compute.webservice import create_app
from plugins.asset_compute import Recorder

TOKEN = "eyJhbGciOiJub25lIn0.eyJjbGllbnRfaWQiOiJ3ZWItY2xpZW50In0.x"
HEADERS = {"authorization": f"Bearer {TOKEN}", "x-gw-ims-org-id": "WEBORG@AdobeOrg", "x-request-id": "req-web"}


def copy(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
    assert source is not None
    shutil.copyfile(source.path, rendition.path)


def test_post_answers_at_once_and_processes_in_the_background(
    recorder: Recorder, small_jpeg: bytes, ac_config: AssetComputeConfig
) -> None:
    recorder.add_source("small.jpg", small_jpeg)
    config = replace(ac_config, io_events_url=recorder.url("/api/events"))
    app = create_app(worker(copy), config, action_name="/testns/testpkg/myworker")
    body = {
        "source": recorder.url("/src/small.jpg"),
        "userData": {"u": 1},
        "renditions": [{"fmt": "jpg", "name": "w.jpg", "target": recorder.url("/put/web/w.jpg")}],
    }

    async def go() -> tuple[httpx.Response, dict[str, Any], httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            resp = await client.post("/api/v1/web/testns/testpkg/myworker", json=body, headers=HEADERS)
            record = await app.state.activations.wait(resp.json()["activationId"], timeout=10)
            status = await client.get(f"/activations/{resp.json()['activationId']}")
            return resp, record, status

    resp, record, status = asyncio.run(go())
    assert resp.status_code == 200 and len(resp.json()["activationId"]) == 32
    assert record["status"] == "succeeded" and record["result"] == {"requestId": "req-web"}
    assert status.json()["status"] == "succeeded"
    assert [p.path for p in recorder.find("PUT")] == ["/put/web/w.jpg"]
    [post] = recorder.find("POST", "/api/events")
    assert (post.json["user_guid"], post.json["provider_id"]) == (
        "WEBORG@AdobeOrg",
        "asset_compute_WEBORG@AdobeOrg_web-client",
    )
    [event] = recorder.events("/api/events")
    assert event["activationIds"] == [resp.json()["activationId"]]
    assert (event["type"], event["requestId"], event["userData"]) == ("rendition_created", "req-web", {"u": 1})


def test_refusals_and_extras(ac_config: AssetComputeConfig) -> None:
    release = asyncio.Event()

    async def slow(source: Source | None, rendition: Rendition, params: dict[str, Any]) -> None:
        await release.wait()
        rendition.path.write_text("done")

    config = replace(ac_config, max_activations=1, events_mode="log")
    app = create_app(worker(slow), config)
    body = {"renditions": [{"fmt": "txt", "target": "https://127.0.0.1:1/put"}]}

    async def go() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            out: dict[str, Any] = {
                "get": await client.get("/"),
                "noauth": await client.post("/", json=body),
                "badtoken": await client.post("/", json=body, headers={"authorization": "Bearer nope"}),
                "badjson": await client.post("/", content=b"{", headers=HEADERS),
                "options": await client.options("/"),
                "unknown": await client.get("/activations/nope"),
            }
            first = await client.post("/", json=body, headers=HEADERS)
            out["busy"] = await client.post("/", json=body, headers=HEADERS)
            release.set()
            out["record"] = await app.state.activations.wait(first.json()["activationId"], timeout=10)
            out["metrics"] = await client.get("/metrics")
            return out

    out = asyncio.run(go())
    assert (out["get"].status_code, out["get"].json()) == (405, {"message": "Supported HTTP methods: OPTIONS, POST"})
    assert (out["noauth"].status_code, out["noauth"].json()) == (401, {"message": "Missing Oauth token"})
    assert (out["badtoken"].status_code, out["badtoken"].json()) == (401, {"message": "Invalid token"})
    assert out["badjson"].status_code == 400
    assert out["options"].status_code == 204 and out["options"].headers["allow"] == "OPTIONS, POST"
    assert out["unknown"].status_code == 404
    assert out["busy"].status_code == 429
    assert out["record"]["status"] == "succeeded"
    assert out["record"]["result"]["renditionErrors"][0]["location"] == "worker_upload"
    assert "asset_compute_activations_total" in out["metrics"].text


def test_bad_bodies_are_counted_as_failed_activations(
    ac_config: AssetComputeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(worker(copy), replace(ac_config, events_mode="log"), action_name="/ns/pkg/myworker")

    def failed() -> float:
        return REGISTRY.get_sample_value("asset_compute_activations_total", {"outcome": "failed"}) or 0.0

    async def go() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            out: dict[str, Any] = {"before": failed()}
            out["noauth"] = await client.post("/", content=b"{")  # 401 first: not an activation
            out["after_noauth"] = failed()
            out["badjson"] = await client.post("/", content=b"{", headers=HEADERS)
            out["array"] = await client.post("/", json=[1], headers=HEADERS)
            out["huge"] = await client.post("/", content=b" " * (1024 * 1024 + 1), headers=HEADERS)
            out["after_bodies"] = failed()
            accepted = await client.post("/", json={"renditions": "x"}, headers=HEADERS)  # SDK validation
            out["record"] = await app.state.activations.wait(accepted.json()["activationId"], timeout=10)
            out["after_sdk"] = failed()
            return out

    with caplog.at_level(logging.INFO, logger="imgworker.asset_compute.metrics"):
        out = asyncio.run(go())
    assert [out[k].status_code for k in ("noauth", "badjson", "array", "huge")] == [401, 400, 400, 413]
    assert out["after_noauth"] == out["before"]
    assert out["after_bodies"] == out["before"] + 3
    assert out["record"]["status"] == "failed" and out["after_sdk"] == out["before"] + 4
    metrics = [r for r in caplog.records if r.name == "imgworker.asset_compute.metrics"]
    records: list[dict[str, Any]] = [r.fields for r in metrics]  # type: ignore[attr-defined]
    errors = [(r["location"], r["message"], r["requestId"]) for r in records if r["eventType"] == "error"]
    assert errors == [
        ("myworker_validate", "The request body is not valid JSON", "req-web"),
        ("myworker_validate", "The request body must be a JSON object", "req-web"),
        ("myworker_validate", "The request body exceeds 1 MB", "req-web"),
        ("myworker_validate", "'renditions' is not an array.", "req-web"),
    ]
    assert [r["outcome"] for r in records if r["eventType"] == "activation"] == ["failed"] * 4
