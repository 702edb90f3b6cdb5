"""Absolute overlay URLs: allowed hosts, the address guard, status, byte limit, timeout, depth header."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import httpx
import pytest

from helpers import fixture
from imgworker.render import vips
from imgworker.render.embedded import EmbeddedRenderer
from imgworker.render.errors import BadRequest
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.remote import OVERLAY_DEPTH_HEADER, OverlayPolicy, fetch_url
from imgworker.render.server import RendererConfig
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

MARK = fixture("SH_with-alpha.png").read_bytes()  # 256x192 RGBA
LOCAL = OverlayPolicy(hosts=("127.0.0.1",), allowed_addresses=("127.0.0.1",), timeout=2.0)


class _Handler(BaseHTTPRequestHandler):
    seen_depth: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Handler.seen_depth.append(self.headers.get(OVERLAY_DEPTH_HEADER, ""))
        if self.path == "/slow.png":
            time.sleep(1.0)
        if self.path == "/redirect.png":
            self.send_response(302)
            self.send_header("Location", "/mark.png")
            self.end_headers()
            return
        body = {"/mark.png": MARK, "/slow.png": MARK, "/big.png": b"x" * 5000}.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # the timeout test hangs up on /slow.png: a broken pipe is expected


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_policy_hosts_and_addresses() -> None:
    policy = OverlayPolicy(hosts=("assets.example.com", "*.imgix.net"), allowed_addresses=("10.1.0.0/16",))
    assert policy.host_allowed("ASSETS.example.com") and policy.host_allowed("demo.imgix.net")
    assert not policy.host_allowed("example.com") and not policy.host_allowed("imgix.net.evil.com")
    assert policy.address_allowed("93.184.216.34") and policy.address_allowed("10.1.2.3")
    for address in ("127.0.0.1", "10.0.0.1", "192.168.1.1", "172.16.0.1", "169.254.169.254", "::1",
                    "fe80::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1", "fc00::1"):  # fmt: skip
        assert not policy.address_allowed(address), address


def test_absolute_url_from_an_allowed_host(web: str) -> None:
    _Handler.seen_depth.clear()
    assert fetch_url(f"{web}/mark.png", LOCAL, param="mark", depth=2) == MARK
    assert _Handler.seen_depth == ["2"]
    image = OverlayFetcher(None, LOCAL).overlay_image(f"{web}/mark.png", param="mark")
    assert (image.width, image.height, image.bands) == (256, 192, 4)


@pytest.mark.parametrize(
    ("url", "policy", "message"),
    [
        ("{web}/mark.png", OverlayPolicy(), "not an allowed overlay host"),
        ("{web}/mark.png", OverlayPolicy(hosts=("127.0.0.1",)), "non-public address"),
        ("http://localhost:1/mark.png", OverlayPolicy(hosts=("localhost",)), "non-public address"),
        ("http://10.0.0.1/mark.png", OverlayPolicy(hosts=("10.0.0.1",)), "non-public address"),
        ("http://169.254.169.254/latest", OverlayPolicy(hosts=("169.254.169.254",)), "non-public address"),
        ("http://user:pw@127.0.0.1/mark.png", LOCAL, "credentials"),
        ("ftp://127.0.0.1/mark.png", LOCAL, "received 'ftp:"),
        ("{web}/missing.png", LOCAL, "HTTP 404"),
        ("{web}/redirect.png", LOCAL, "HTTP 302"),
        (
            "{web}/big.png",
            OverlayPolicy(hosts=("127.0.0.1",), allowed_addresses=("127.0.0.1",), max_bytes=1000),
            "limit",
        ),
        (
            "{web}/slow.png",
            OverlayPolicy(hosts=("127.0.0.1",), allowed_addresses=("127.0.0.1",), timeout=0.3),
            "timed out",
        ),
    ],
)
def test_refused_urls_are_400_naming_the_parameter(web: str, url: str, policy: OverlayPolicy, message: str) -> None:
    with pytest.raises(BadRequest, match=f"`mark`.*{message}"):
        OverlayFetcher(None, policy).fetch_overlay(url.format(web=web), param="mark")


def test_undecodable_overlay_is_400(web: str) -> None:
    with pytest.raises(BadRequest, match="`blend`"):
        OverlayFetcher(None, LOCAL).overlay_image(f"{web}/big.png", param="blend")


def test_renderer_fetches_an_allowed_url_mark(tmp_path: Path) -> None:
    """End to end: RendererConfig.overlays allows 127.0.0.1; the renderer fetches a mark from itself."""
    store = LocalFolderStore(tmp_path)
    store.put("base.png", vips.save(vips.solid(200, 100, (100, 100, 100)), ".png"))
    store.put("mark.png", vips.save(vips.solid(40, 20, (250, 20, 20)), ".png"))
    config = RendererConfig(origin=Origin(store), overlays=LOCAL)
    with EmbeddedRenderer(config) as server:
        mark = quote(f"{server.base_url}/mark.png?w=20", safe="")
        r = httpx.get(f"{server.base_url}/base.png?mark={mark}&mark-align=top,left&fm=png", timeout=10)
        assert r.status_code == 200
        out = vips.to_numpy(vips.from_buffer(r.content))
        red = (out[..., 0] > 200) & (out[..., 1] < 60)
        assert red[5:15, 5:25].all() and red.sum() == 20 * 10  # fetched over HTTP, resized there
        denied = httpx.get(f"{server.base_url}/base.png?mark={quote('http://localhost/x.png', safe='')}", timeout=10)
        assert denied.status_code == 400 and "`mark`" in denied.text
