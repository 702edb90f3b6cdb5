"""Overlay fetching: origin paths, allowed hosts, address guard, limits, loops, recursion, ``~text``."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from helpers import fixture
from imgworker.render import vips
from imgworker.render.errors import BadRequest
from imgworker.render.overlays import OVERLAY_DEPTH_HEADER, OverlayFetcher, OverlayPolicy, depth_from_header
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


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    store = LocalFolderStore(tmp_path)
    store.put("marks/logo.png", MARK)
    store.put("photo.png", vips.save(vips.solid(64, 48, (10, 20, 30)), ".png"))
    return Origin(store)


def test_policy_hosts_and_addresses() -> None:
    policy = OverlayPolicy(hosts=("assets.example.com", "*.imgix.net"), allowed_addresses=("10.1.0.0/16",))
    assert policy.host_allowed("ASSETS.example.com") and policy.host_allowed("demo.imgix.net")
    assert not policy.host_allowed("example.com") and not policy.host_allowed("imgix.net.evil.com")
    assert policy.address_allowed("93.184.216.34") and policy.address_allowed("10.1.2.3")
    for address in ("127.0.0.1", "10.0.0.1", "192.168.1.1", "172.16.0.1", "169.254.169.254", "::1",
                    "fe80::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1", "fc00::1"):  # fmt: skip
        assert not policy.address_allowed(address), address
    assert depth_from_header("2") == 2 and depth_from_header("junk") == 0 and depth_from_header("99") == 3


def test_relative_paths_resolve_against_the_origin(origin: Origin) -> None:
    fetcher = OverlayFetcher(origin)
    assert fetcher.fetch_overlay("/marks/logo.png", param="mark") == MARK
    assert fetcher.fetch_overlay("marks/logo.png", param="mark") == MARK
    assert fetcher.fetch_overlay("/x/../marks/logo.png", param="mark") == MARK
    with pytest.raises(BadRequest, match="`mask`"):
        fetcher.fetch_overlay("../../marks/missing.png", param="mask")


def test_own_params_render_recursively(origin: Origin) -> None:
    fetcher = OverlayFetcher(origin)
    image = fetcher.overlay_image("/marks/logo.png?w=64&fm=png", param="mark")
    assert (image.width, image.height, image.bands) == (64, 48, 4)
    png = vips.from_buffer(fetcher.fetch_overlay("/marks/logo.png?w=32", param="mark"))
    assert (png.width, png.height) == (32, 24)
    jpg = fetcher.overlay_image("/marks/logo.png?w=64&fm=jpg", param="mark")
    assert jpg.bands == 3  # flattened: a JPEG has no alpha


def test_text_endpoint_as_overlay(origin: Origin) -> None:
    image = OverlayFetcher(origin).overlay_image("~text?txt=Hello%20world&w=120&bg=f00", param="blend")
    assert image.width == 120 and image.height > 20
    assert vips.to_numpy(image)[0, 0, :3].tolist() == [255, 0, 0]  # bg applied


def test_loops_and_depth(origin: Origin) -> None:
    fetcher = OverlayFetcher(origin, chain=("photo.png",))
    with pytest.raises(BadRequest, match="loop"):
        fetcher.fetch_overlay("/photo.png", param="mark")
    with pytest.raises(BadRequest, match="loop"):
        fetcher.overlay_image("/marks/logo.png?mark=/photo.png", param="blend")
    with pytest.raises(BadRequest, match="deeper"):
        OverlayFetcher(origin, depth=3).fetch_overlay("/marks/logo.png", param="mark")


def test_absolute_url_from_an_allowed_host(origin: Origin, web: str) -> None:
    _Handler.seen_depth.clear()
    fetcher = OverlayFetcher(origin, LOCAL)
    assert fetcher.fetch_overlay(f"{web}/mark.png", param="mark") == MARK
    assert _Handler.seen_depth == ["1"]
    image = fetcher.overlay_image(f"{web}/mark.png", param="mark")
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
def test_refused_urls_are_400_naming_the_parameter(
    origin: Origin, web: str, url: str, policy: OverlayPolicy, message: str
) -> None:
    with pytest.raises(BadRequest, match=f"`mark`.*{message}"):
        OverlayFetcher(origin, policy).fetch_overlay(url.format(web=web), param="mark")


def test_undecodable_overlay_is_400(origin: Origin, web: str) -> None:
    with pytest.raises(BadRequest, match="`blend`"):
        OverlayFetcher(origin, LOCAL).overlay_image(f"{web}/big.png", param="blend")
