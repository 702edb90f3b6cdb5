"""``imgworker serve`` end to end over HTTP: a real subprocess on a loopback port, real photos.

Covers: probes, POST /process with a photo from examples/photos, fetching rendered URLs from the
mounted renderer (signature valid / tampered), /metrics counters moving, the devtool API (upload,
sources, outputs, params, plan), bad requests, JSON logs with URLs redacted, graceful SIGTERM.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from devtool.serving import PHOTOS, TOKEN, ServeProcess
from imgworker.render.vips import probe
from imgworker.worker.signing import build_url

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def metrics(client: httpx.Client) -> Samples:
    """``{(sample name, sorted labels): value}`` from /metrics."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_probes(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    page = client.get("/")
    assert page.status_code == 200
    assert "imgworker" in page.text and "/static/app.js" in page.text
    assert client.get("/static/app.js").status_code == 200


def test_process_job_render_and_metrics(client: httpx.Client) -> None:
    before = metrics(client)
    request = {
        "source": "portrait.jpg",
        "requestId": "r-1",
        "renditions": [
            {"name": "thumb.jpg", "fmt": "jpg", "imgix": {"w": 200, "h": 120, "fit": "crop"}},
            {"name": "small.webp", "fmt": "webp", "imgix": '{"w": 150, "fm": "webp", "q": 60}'},
        ],
    }
    response = client.post("/process", json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["failed"] == 0
    thumb, small = body["renditions"]
    assert (thumb["ok"], thumb["width"], thumb["height"], thumb["format"]) == (True, 200, 120, "image/jpeg")
    assert (small["ok"], small["width"], small["format"]) == (True, 150, "image/webp")
    assert small["height"] == 225  # 1200x1800 portrait scaled to w=150
    assert [e["type"] for e in body["events"]] == ["rendition_created", "rendition_created"]
    assert all(e["requestId"] == "r-1" and e["source"] == "portrait.jpg" for e in body["events"])
    assert body["source"]["width"] == 1200 and body["source"]["height"] == 1800

    out = client.get(thumb["url"])
    assert out.status_code == 200
    assert (probe(out.content).width, probe(out.content).height) == (200, 120)
    assert "attachment" in client.get(thumb["download"]).headers["content-disposition"]

    rendered = client.get(thumb["renderUrl"])  # signed by the service, served by the mounted renderer
    assert rendered.status_code == 200, rendered.text
    assert rendered.headers["x-imgworker-size"] == "200x120"

    key = thumb["renderUrl"].split("?")[0].removeprefix("/render/")
    url = build_url(client.base_url.host, key, {"w": "64", "fm": "png"}, TOKEN)  # the worker's own signing
    own = client.get("/render" + url.split(client.base_url.host, 1)[1])
    assert own.status_code == 200 and own.headers["content-type"] == "image/png"
    assert probe(own.content).width == 64
    tampered = client.get(thumb["renderUrl"].replace("w=200", "w=201"))
    assert tampered.status_code == 403

    after = metrics(client)
    assert delta(before, after, "imgworker_jobs_total", result="ok") == 1
    assert delta(before, after, "imgworker_renditions_created_total", format="image/jpeg") == 1
    assert delta(before, after, "imgworker_renditions_created_total", format="image/webp") == 1
    assert delta(before, after, "imgworker_render_requests_total", status="200", via="worker") == 2
    assert delta(before, after, "imgworker_render_requests_total", status="200", via="public") == 2
    assert delta(before, after, "imgworker_render_requests_total", status="403", via="public") == 1
    assert delta(before, after, "imgworker_job_duration_seconds_count") == 1
    assert delta(before, after, "imgworker_rendition_duration_seconds_count") == 2


def test_failed_rendition_is_reported_and_counted(client: httpx.Client) -> None:
    before = metrics(client)
    request = {
        "source": "astronaut.png",
        "renditions": [
            {"name": "ok.png", "fmt": "png", "imgix": {"w": 100}},
            {"name": "bad.jpg", "imgix": "{not json"},
        ],
    }
    body = client.post("/process", json=request).json()
    ok, bad = body["renditions"]
    assert ok["ok"] and (ok["width"], ok["height"]) == (100, 100)
    assert not bad["ok"] and bad["reason"] == "GenericError" and "not valid JSON" in bad["message"]
    assert body["events"][1]["type"] == "rendition_failed"
    after = metrics(client)
    assert delta(before, after, "imgworker_jobs_total", result="failed") == 1
    assert delta(before, after, "imgworker_renditions_failed_total", reason="GenericError") == 1


def test_bad_requests_are_plain_errors(client: httpx.Client) -> None:
    before = metrics(client)
    cases = [
        (b"{oops", 400, "not valid JSON"),
        (json.dumps({"source": "nope.jpg", "renditions": [{"w": 1}]}).encode(), 404, "'nope.jpg'"),
        (json.dumps({"source": "/etc/passwd", "renditions": [{}]}).encode(), 400, "does not read local paths"),
        (json.dumps({"source": "chelsea.png", "renditions": []}).encode(), 400, "`renditions`"),
        (json.dumps([1, 2]).encode(), 400, "JSON object"),
    ]
    for raw, status, text in cases:
        response = client.post("/process", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == status, (raw, response.text)
        assert text in response.json()["error"]
    assert delta(before, metrics(client), "imgworker_jobs_total", result="rejected") == len(cases)


def test_devtool_api_upload_process_outputs(client: httpx.Client, service: ServeProcess) -> None:
    data = (PHOTOS / "chelsea.png").read_bytes()
    saved = client.post("/api/sources", files={"file": ("my cat.png", data, "image/png")})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"name": "my_cat.png", "origin": "upload", "size": len(data), "format": "image/png",
                            "width": 451, "height": 300, "url": "/api/sources/my_cat.png"}  # fmt: skip
    names = [s["name"] for s in client.get("/api/sources").json()]
    assert names[0] == "my_cat.png" and {"chelsea.png", "portrait.jpg"} <= set(names)
    assert client.get("/api/sources/my_cat.png").content == data

    outside = service.root / "outside.jpg"
    request = {"source": "my_cat.png", "renditions": [{"name": "x.jpg", "imgix": {"w": 90}, "target": str(outside)}]}
    body = client.post("/api/process", json={"request": request}).json()
    (r,) = body["renditions"]
    assert r["ok"] and r["width"] == 90 and r["url"].startswith(f"/api/outputs/{body['jobId']}/")
    assert not outside.exists()  # the devtool always writes into its own output folder
    assert client.get("/api/outputs/0123/x.jpg").status_code == 404

    table = {p["name"]: p for p in client.get("/api/params").json()}
    assert table["w"]["implemented"] and table["w"]["aliases"] == ["width"] and table["fit"]["default"] == "clip"
    assert not table["upscale"]["implemented"]  # tier X: out of scope by design


def test_plan_endpoint(client: httpx.Client) -> None:
    body = client.post("/process", json={"source": "chelsea.png", "renditions": [{"imgix": {"w": 50}}]}).json()
    render_url = body["renditions"][0]["renderUrl"]
    plan = client.get("/api/plan", params={"url": render_url}).json()
    assert plan["signature"] == "valid" and [u["name"] for u in plan["used"]] == ["w"]
    assert plan["unknown"] == ["ixlib"]
    plan = client.get("/api/plan", params={"query": "width=10&q=abc&upscale=true&foo=1"}).json()
    assert plan["used"][0]["given"] == "width" and plan["used"][0]["parsed"] == 10
    assert plan["fallback"][0]["name"] == "q" and "Expected an integer" in plan["fallback"][0]["reason"]
    assert [p["name"] for p in plan["unimplemented"]] == ["upscale"]
    assert plan["unknown"] == ["foo"] and plan["signature"] == "unchecked"
    assert "w" in client.get("/api/plan", params={"query": "w=0"}).json()["error"]
    assert client.get("/api/plan").status_code == 400


def test_logs_are_json_lines_with_urls_redacted(client: httpx.Client, service: ServeProcess) -> None:
    client.get("/render/x.png?w=10&s=0123456789abcdef0123456789abcdef")
    deadline = time.monotonic() + 5  # the access line is written after the response: wait for it
    while True:
        lines = [line for line in service.logs().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        access = [
            r for r in records if r.get("logger") == "imgworker.devtool.access" and r.get("path") == "/render/x.png"
        ]
        if access or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert any(r["message"] == "service started" for r in records)
    assert access and access[0]["query"] == "<redacted>" and access[0]["status"] == 403
    assert not re.search(r"s=[0-9a-f]{32}", service.logs())
    assert TOKEN not in service.logs()


def test_sigterm_shuts_down_gracefully(serve_factory: Callable[..., ServeProcess]) -> None:
    server = serve_factory(IMGWORKER_LOG_LEVEL="debug")
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=15) == 0
    messages = [json.loads(line)["message"] for line in server.logs().splitlines() if line.strip()]
    assert "service stopped" in messages
    started = json.loads(next(line for line in server.logs().splitlines() if "service started" in line))
    assert started["token_source"] == "random"


def test_binds_loopback_by_default(service: ServeProcess) -> None:
    started = [json.loads(line) for line in service.logs().splitlines() if "Uvicorn running" in line]
    assert len(started) == 1 and f"http://127.0.0.1:{service.port}" in started[0]["message"]


def test_settings_error_exits_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "IMGWORKER_PORT": "eighty"}
    done = subprocess.run([sys.executable, "-m", "imgworker.cli", "serve"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "IMGWORKER_PORT" in done.stderr


def test_asset_compute_web_action_is_mounted(client: httpx.Client) -> None:
    assert client.get("/api/info").json()["webAction"].startswith("/api/v1/asset-compute/")
    refused = client.post("/api/v1/asset-compute/", json={"source": "x", "renditions": []})
    assert refused.status_code == 401 and refused.json() == {"message": "Missing Oauth token"}
    assert client.get("/api/v1/asset-compute/").status_code == 405
    assert client.options("/api/v1/asset-compute/").status_code == 204
    assert client.get("/api/v1/asset-compute/activations/nope").status_code == 404


def test_process_refuses_cross_site_non_json_big_and_deep_bodies(client: httpx.Client) -> None:
    request = {"source": "chelsea.png", "renditions": [{"imgix": {"w": 12}}]}
    form = client.post("/api/process", content=json.dumps({"request": request}), headers={"content-type": "text/plain"})
    assert form.status_code == 415  # a cross-site <form> or no-cors fetch cannot send JSON
    evil = client.post("/process", json=request, headers={"origin": "https://evil.example"})
    assert evil.status_code == 403 and "cross-site" in evil.json()["error"]
    big = client.post("/process", content=b"[" + b"0," * 600_000 + b"0]", headers={"content-type": "application/json"})
    assert big.status_code == 413
    deep = client.post("/process", content=b"[" * 100_000, headers={"content-type": "application/json"})
    assert deep.status_code == 400 and "error" in deep.json()
    assert client.post("/process", json=request).status_code == 200  # same-origin JSON still works


def test_uploaded_files_are_served_without_sniffing_or_scripts(client: httpx.Client) -> None:
    up = client.post("/api/sources", files={"file": ("evil.html", b"<script>alert(1)</script>", "text/html")})
    assert up.status_code == 200, up.text  # the devtool keeps any upload; serving it must be inert
    served = client.get(f"/api/sources/{up.json()['name']}")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
