"""The renderer under /render (StripPrefix) signs like the loopback door (LoopbackServer)."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from devtool.serving import PHOTOS
from imgworker.devtool.mount import LoopbackServer, StripPrefix
from imgworker.render.server import RendererConfig, create_app
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore
from imgworker.worker.signing import build_url


def renderer(tmp_path: Path) -> Starlette:
    store = LocalFolderStore(str(tmp_path))
    (tmp_path / "cat.png").write_bytes((PHOTOS / "chelsea.png").read_bytes())
    return create_app(RendererConfig(origin=Origin(store), token="tok"))


def test_same_signature_under_the_mount_and_on_loopback(tmp_path: Path) -> None:
    app = renderer(tmp_path)
    outer = Starlette(routes=[Mount("/render", app=StripPrefix(app))])
    signed = build_url("127.0.0.1", "cat.png", {"w": "40"}, "tok")  # what the worker builds
    path_and_query = signed.split("127.0.0.1", 1)[1]
    with TestClient(outer) as client:
        response = client.get("/render" + path_and_query)
        assert response.status_code == 200 and response.headers["x-imgworker-size"] == "40x27"
        assert client.get("/render" + path_and_query.replace("w=40", "w=41")).status_code == 403
    server = LoopbackServer(app).start()
    try:
        assert server.running and server.base_url.startswith("http://127.0.0.1:")
        direct = httpx.get(server.base_url + path_and_query)
        assert direct.status_code == 200 and direct.headers["x-imgworker-size"] == "40x27"
    finally:
        server.stop()
    assert not server.running
