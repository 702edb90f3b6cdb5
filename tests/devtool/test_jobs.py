"""Jobs through the service: the source object, output names and formats, output cleanup, limits.

``origin`` is a small HTTP server on a loopback port standing for a remote source:
``/private.png`` answers 401 without the ``X-Source-Token`` header; ``/slow.png`` holds its answer
until the test releases it (a job that stays running while others are queued behind it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtool.serving import PHOTOS, ServeProcess
from imgworker.devtool import jobs
from imgworker.devtool.library import Library, Outputs

SECRET = "origin-secret-42"


@dataclass
class Origin:
    """The test origin: ``base_url``, the headers of each request (``seen``), the slow-path gates."""

    base_url: str
    seen: list[dict[str, str]] = field(default_factory=list)
    slow_hit: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def origin() -> Iterator[Origin]:
    data = (PHOTOS / "chelsea.png").read_bytes()
    state: list[Origin] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            o = state[0]
            o.seen.append({k.lower(): v for k, v in self.headers.items()})
            if self.path == "/private.png" and self.headers.get("X-Source-Token") != SECRET:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/slow.png":
                o.slow_hit.set()
                o.release.wait(30)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.append(Origin(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state[0]
    finally:
        state[0].release.set()
        server.shutdown()
        server.server_close()


def test_prepare_keeps_the_source_object(tmp_path: Path) -> None:
    lib = Library(tmp_path / "uploads", PHOTOS, max_upload_bytes=10_000_000)
    outputs = Outputs(tmp_path / "out", keep=5)
    remote = {"url": "https://example.com/a?x=1", "name": "a.png", "mimetype": "image/png", "size": 12,
              "headers": {"Authorization": "Bearer t"}}  # fmt: skip
    job = jobs.prepare({"source": remote, "renditions": [{}]}, lib, outputs, rewrite_all=True, max_renditions=5)
    assert job.request["source"] == remote
    local = {"url": "chelsea.png", "name": "cat.png", "mimeType": "image/png", "headers": {"X-A": "1"}}
    job = jobs.prepare({"source": local, "renditions": [{}]}, lib, outputs, rewrite_all=True, max_renditions=5)
    assert job.request["source"] == {**local, "url": str((PHOTOS / "chelsea.png").resolve())}
    named = {"name": "chelsea.png"}  # no url: the name picks the library source
    job = jobs.prepare({"source": named, "renditions": [{}]}, lib, outputs, rewrite_all=True, max_renditions=5)
    assert job.request["source"] == {"name": "chelsea.png", "url": str((PHOTOS / "chelsea.png").resolve())}
    assert jobs.prepare({"source": "chelsea.png", "renditions": [{}]}, lib, outputs, rewrite_all=True,
                        max_renditions=5).request["source"] == str((PHOTOS / "chelsea.png").resolve())  # fmt: skip


def test_process_sends_the_source_headers(serve_factory: Callable[..., ServeProcess], origin: Origin) -> None:
    server = serve_factory()
    source = {"url": f"{origin.base_url}/private.png", "name": "cat.png", "mimetype": "image/png",
              "headers": {"X-Source-Token": SECRET}}  # fmt: skip
    request = {"source": source, "renditions": [{"name": "t.jpg", "fmt": "jpg", "imgix": {"w": 40}}]}
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        body = client.post("/process", json=request).json()
        assert body["failed"] == 0, body
        assert body["renditions"][0]["width"] == 40
        assert origin.seen[-1]["x-source-token"] == SECRET
        assert SECRET not in str(body)  # headers are sent, never echoed
        without = client.post("/process", json={**request, "source": source["url"]}).json()
        assert without["failed"] == 1  # the origin refuses a request without the header
    assert SECRET not in server.logs()


def test_passthrough_output_extension_matches_its_bytes(client: httpx.Client) -> None:
    request = {"source": "chelsea.png", "renditions": [
        {},  # no fmt, no imgix: the source's PNG bytes unchanged
        {"name": "named.jpg", "imgix": {"w": 30, "fm": "webp"}},
        {"name": "thumb", "fmt": "png", "imgix": {"w": 20}},
        {"name": "kept.jpeg", "imgix": {"w": 20, "fm": "jpg"}},
    ]}  # fmt: skip
    body = client.post("/process", json=request).json()
    assert body["failed"] == 0, body
    urls = [r["url"] for r in body["renditions"]]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["0-rendition0.png", "1-named.webp", "2-thumb.png", "3-kept.jpeg"]
    assert [r["name"] for r in body["renditions"]] == ["rendition0", "named.jpg", "thumb", "kept.jpeg"]
    magic = [client.get(u).content[:4] for u in urls]
    assert magic[:3] == [b"\x89PNG", b"RIFF", b"\x89PNG"] and magic[3].startswith(b"\xff\xd8\xff")
    assert client.get(urls[0]).content == (PHOTOS / "chelsea.png").read_bytes()


def test_unicode_upload_names_stay_readable(client: httpx.Client) -> None:
    data = (PHOTOS / "chelsea.png").read_bytes()
    saved = client.post("/api/sources", files={"file": ("кошка.png", data, "image/png")})
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"] == "кошка.png"
    assert client.get(saved.json()["url"]).content == data
    request = {"source": "кошка.png", "renditions": [{"name": "маленькая.jpg", "fmt": "jpg", "imgix": {"w": 30}}]}
    body = client.post("/api/process", json={"request": request}).json()
    (r,) = body["renditions"]
    assert r["ok"], r
    assert client.get(r["url"]).status_code == 200
    download = client.get(r["download"])
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]


def test_request_too_large_names_the_limit(client: httpx.Client) -> None:
    big = client.post("/process", content=b"[" + b"0," * 600_000 + b"0]", headers={"content-type": "application/json"})
    assert big.status_code == 413
    assert big.json()["error"] == "the request body is larger than the 1 MiB limit"


def test_queued_jobs_keep_their_outputs(serve_factory: Callable[..., ServeProcess], origin: Origin) -> None:
    server = serve_factory(IMGWORKER_KEEP_JOBS="1", IMGWORKER_MAX_JOBS="1")
    outputs = server.root / "devtool" / "outputs"
    slow = {"source": f"{origin.base_url}/slow.png", "renditions": [{"name": "a.jpg", "imgix": {"w": 20}}]}
    quick = {"source": "chelsea.png", "renditions": [{"name": "b.jpg", "imgix": {"w": 20}}]}

    def post(request: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{server.base_url}/process", json=request, timeout=60)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    with ThreadPoolExecutor(3) as pool:
        running = pool.submit(post, slow)
        assert origin.slow_hit.wait(30), "the slow job never reached its source"
        (first,) = [p.name for p in outputs.iterdir()]
        queued = [pool.submit(post, quick), pool.submit(post, quick)]
        for _ in range(300):  # both prepared (their folders made) while the slow job runs
            if len(list(outputs.iterdir())) >= 3:
                break
            threading.Event().wait(0.05)
        names = {p.name for p in outputs.iterdir()}
        origin.release.set()
        results = [running.result(), *(q.result() for q in queued)]
    assert first in names and len(names) == 3, names
    assert [r["failed"] for r in results] == [0, 0, 0]
    assert results[0]["jobId"] == first
