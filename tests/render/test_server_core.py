"""The renderer over HTTP: signing (403), missing source (404), Content-Type, passthrough, headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from helpers import EXAMPLES, fixture, size_of
from imgworker.render.params.signing import sign
from imgworker.render.server import RendererConfig, create_app
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

TOKEN = "test-token-123"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    store = LocalFolderStore(tmp_path)
    store.put("photos/chelsea.png", (EXAMPLES / "chelsea.png").read_bytes())
    store.put("a b+c/é.jpg", fixture("rocket.jpg").read_bytes())
    store.put("bad.jpg", fixture("LV_truncated.jpg").read_bytes())
    return TestClient(create_app(RendererConfig(origin=Origin(store), token=TOKEN)))


def signed(path: str, query: str = "") -> str:
    s = sign(TOKEN, path, query)
    return f"{path}?{query}&s={s}" if query else f"{path}?s={s}"


def test_signed_render_has_size_and_content_type(client: TestClient) -> None:
    r = client.get(signed("/photos/chelsea.png", "w=200&fm=webp"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/webp"
    assert size_of(r.content) == (200, 133)
    assert r.headers["content-length"] == str(len(r.content))
    assert r.headers["etag"] and "max-age=" in r.headers["cache-control"] and r.headers["last-modified"]


def test_percent_encoded_path_with_plus_and_utf8(client: TestClient) -> None:
    r = client.get(signed("/a%20b%2Bc/%C3%A9.jpg", "w=100"))
    assert r.status_code == 200 and size_of(r.content) == (100, 67)
    assert r.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize(
    "url",
    [
        "/photos/chelsea.png?w=200",  # unsigned
        "/photos/chelsea.png?w=200&s=00000000000000000000000000000000",  # wrong
        "/photos/chelsea.png?h=1&w=200&s=" + sign(TOKEN, "/photos/chelsea.png", "w=200&h=1"),  # reordered
    ],
)
def test_bad_signature_is_403(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 403
    assert "signature" in r.text


def test_missing_source_is_404_with_reason(client: TestClient) -> None:
    r = client.get(signed("/photos/nope.png", "w=10"))
    assert r.status_code == 404
    assert r.headers["x-imgworker-reason"] == "SourceUnsupported"


def test_corrupt_source_is_422_source_corrupt(client: TestClient) -> None:
    r = client.get(signed("/bad.jpg", "w=100"))
    assert r.status_code == 422
    assert r.headers["x-imgworker-reason"] == "SourceCorrupt"


def test_no_params_is_passthrough(client: TestClient) -> None:
    r = client.get(signed("/photos/chelsea.png"))
    assert r.status_code == 200
    assert r.content == (EXAMPLES / "chelsea.png").read_bytes()
    assert r.headers["content-type"] == "image/png"


def test_fallback_and_unimplemented_headers(client: TestClient) -> None:
    r = client.get(signed("/photos/chelsea.png", "w=100&fit=bogus&q=abc&ixlib=x&lp-blur=5"))
    assert r.status_code == 200 and size_of(r.content) == (100, 67)
    assert "`fit`" in r.headers["x-imgworker-fallback"] and "`q`" in r.headers["x-imgworker-fallback"]
    assert "lp-blur" in r.headers["x-imgworker-unimplemented"]
    assert "fit" not in r.headers["x-imgix-params"].split(",")


def test_auto_format_negotiates_and_varies(client: TestClient) -> None:
    url = signed("/photos/chelsea.png", "auto=format&w=100")
    assert client.get(url, headers={"Accept": "image/avif,image/webp,*/*"}).headers["content-type"] == "image/avif"
    webp = client.get(url, headers={"Accept": "image/webp,*/*"})
    assert webp.headers["content-type"] == "image/webp" and webp.headers["vary"] == "Accept"
    assert client.get(url, headers={"Accept": "*/*"}).headers["content-type"] == "image/png"


def test_bad_base64_is_400(client: TestClient) -> None:
    r = client.get(signed("/photos/chelsea.png", "txt64=%FF"))
    assert r.status_code == 400 and "txt64" in r.text


def test_uri_too_long_is_414(client: TestClient) -> None:
    r = client.get("/photos/chelsea.png?w=10&x=" + "a" * 8100)
    assert r.status_code == 414


def test_if_none_match_gives_304(client: TestClient) -> None:
    url = signed("/photos/chelsea.png", "w=50")
    etag = client.get(url).headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_unexpected_error_is_a_clean_500(tmp_path: Path) -> None:
    class Broken(LocalFolderStore):
        def get(self, key: str) -> bytes:
            raise RuntimeError("disk on fire")

    store = Broken(tmp_path)
    store.put("a.png", (EXAMPLES / "chelsea.png").read_bytes())
    client = TestClient(create_app(RendererConfig(origin=Origin(store), token=None)), raise_server_exceptions=False)
    r = client.get("/a.png?w=10")
    assert r.status_code == 500
    assert "disk on fire" not in r.text and "Traceback" not in r.text
    assert r.headers["x-imgworker-reason"] == "GenericError"
