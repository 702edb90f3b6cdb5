"""HTTP behaviour of formats, errors and limits: headers (Content-Type, Content-Length, Cache-Control,
ETag, Last-Modified, Vary, fallback), error statuses with their Asset Compute reason, the deadline
(503), the non-image outputs (json, palette, blurhash) and the sanitised SVG passthrough."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import pyvips
from starlette.testclient import TestClient

from helpers import fixture, loader_of, size_of
from imgworker.render.pipeline import Limits
from imgworker.render.server import RendererConfig, create_app
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

FILES = {
    "rocket.jpg": "rocket.jpg", "logo.png": "logo.png", "bad.jpg": "LV_truncated.jpg", "text.jpg": "fake.jpg",
    "anim.gif": "SH_animated-loop-3.gif", "ext.svg": "extimg.svg", "gps.jpg": "gps.jpg", "psd.psd": "PL_hopper.psd",
}  # fmt: skip


def make_client(tmp_path: Path, limits: Limits | None = None) -> TestClient:
    store = LocalFolderStore(tmp_path)
    for key, name in FILES.items():
        store.put(key, fixture(name).read_bytes())
    store.put("empty.jpg", b"")
    return TestClient(create_app(RendererConfig(origin=Origin(store), limits=limits or Limits())))


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return make_client(tmp_path)


def test_rendered_response_headers(client: TestClient) -> None:
    r = client.get("/rocket.jpg?w=200&fm=png")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png" and loader_of(r.content).startswith("pngload")
    assert r.headers["content-length"] == str(len(r.content))
    assert r.headers["cache-control"] == "public, max-age=31536000"
    assert r.headers["etag"].startswith('"') and r.headers["etag"].endswith('"')
    assert parsedate_to_datetime(r.headers["last-modified"]).year >= 2024
    assert "vary" not in r.headers
    assert size_of(r.content) == (200, 133)
    again = client.get("/rocket.jpg?w=200&fm=png", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [("image/avif,image/webp,*/*", "image/avif"), ("image/webp,*/*", "image/webp"), ("*/*", "image/jpeg"),
     ("image/avif;q=0,image/webp", "image/webp")],
)  # fmt: skip
def test_auto_format_negotiates_and_varies(client: TestClient, accept: str, content_type: str) -> None:
    r = client.get("/rocket.jpg?w=100&auto=format", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"] == content_type
    assert r.headers["vary"] == "Accept"
    assert size_of(r.content) == (100, 67)


def test_etag_differs_per_negotiated_format(client: TestClient) -> None:
    avif = client.get("/rocket.jpg?w=100&auto=format", headers={"Accept": "image/avif"})
    jpeg = client.get("/rocket.jpg?w=100&auto=format", headers={"Accept": "*/*"})
    assert avif.headers["etag"] != jpeg.headers["etag"]


def test_invalid_value_falls_back_with_header(client: TestClient) -> None:
    r = client.get("/rocket.jpg?w=100&q=abc&fm=jpg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert "`q`" in r.headers["x-imgworker-fallback"]
    assert "q" not in r.headers["x-imgix-params"].split(",")


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [("/bad.jpg?w=100", 422, "SourceCorrupt"), ("/empty.jpg?w=100", 422, "SourceCorrupt"),
     ("/text.jpg?w=100", 422, "SourceFormatUnsupported"), ("/psd.psd?w=100", 422, "SourceFormatUnsupported"),
     ("/rocket.jpg?fm=mp4", 422, "RenditionFormatUnsupported"), ("/rocket.jpg?w=-5", 400, "GenericError")],
)  # fmt: skip
def test_errors_have_status_and_reason(client: TestClient, path: str, status: int, reason: str) -> None:
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["x-imgworker-reason"] == reason
    assert r.headers["content-type"].startswith("text/plain") and r.headers["cache-control"] == "no-store"
    assert str(status) in r.text


def test_deadline_is_a_503(tmp_path: Path) -> None:
    slow = make_client(tmp_path, Limits(deadline_s=1e-9))
    r = slow.get("/rocket.jpg?w=300")
    assert r.status_code == 503 and "deadline" in r.text


def test_frame_limit_is_a_422(tmp_path: Path) -> None:
    limited = make_client(tmp_path, Limits(max_frames=5))
    r = limited.get("/anim.gif?w=50")
    assert r.status_code == 422 and "fewer than 5 frames" in r.text
    assert limited.get("/anim.gif?w=50&fm=png").status_code == 200  # a still needs one frame only


def test_json_palette_and_blurhash_bodies(client: TestClient) -> None:
    meta = client.get("/gps.jpg?fm=json")
    assert meta.headers["content-type"] == "application/json"
    doc = meta.json()
    assert (doc["PixelWidth"], doc["PixelHeight"], doc["TIFF"]["Make"]) == (640, 480, "TestMake")
    css = client.get("/logo.png?palette=css&colors=3&prefix=pal")
    assert css.headers["content-type"].startswith("text/css")
    assert ".pal-fg-3 " in css.text and ".pal-fg-4 " not in css.text
    palette = client.get("/logo.png?palette=json&colors=4")
    assert palette.headers["content-type"] == "application/json" and len(json.loads(palette.text)["colors"]) == 4
    blur = client.get("/rocket.jpg?w=100&fm=blurhash")
    assert blur.headers["content-type"].startswith("text/plain") and blur.text.startswith("e") and len(blur.text) == 54


def test_dl_sets_attachment(client: TestClient) -> None:
    r = client.get("/rocket.jpg?w=50&dl=launch.jpg")
    assert r.headers["content-disposition"] == 'attachment; filename="launch.jpg"'


def test_svg_passthrough_is_sanitised(client: TestClient) -> None:
    r = client.get("/ext.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert b"<script" not in r.content and b"127.0.0.1:18999" not in r.content
    assert b"<rect" in r.content
    rendered = client.get("/ext.svg?w=200")
    assert rendered.headers["content-type"] == "image/png" and size_of(rendered.content) == (200, 50)


def test_animated_gif_stays_animated_over_http(client: TestClient) -> None:
    r = client.get("/anim.gif?w=100")
    assert r.headers["content-type"] == "image/gif"
    assert int(pyvips.Image.new_from_buffer(r.content, "", n=-1).get("n-pages")) == 10
