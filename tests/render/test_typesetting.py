"""The ``~text`` endpoint: wrapping, width, padding, leading, tracking, background; over HTTP, signed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from helpers import fixture
from imgworker.render import typesetting, vips
from imgworker.render.overlays import OVERLAY_DEPTH_HEADER
from imgworker.render.params import parse_query
from imgworker.render.params.signing import sign
from imgworker.render.server import RendererConfig, create_app
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

Array = np.ndarray[Any, Any]
TOKEN = "typeset-token"
LONG = "txt=" + "%20".join(["The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"] * 2)


def _image(query: str) -> Array:
    result = typesetting.render_endpoint(parse_query(query))
    assert result.fm == "png"
    return np.asarray(vips.to_numpy(vips.from_buffer(result.data)))


def _ink(a: Array) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(a[..., 3] > 64)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_default_width_transparent_and_wrapped() -> None:
    a = _image(LONG)
    assert a.shape[1] == 200 and a.shape[2] == 4
    assert a[0, 0, 3] == 0 and a[-1, -1, 3] == 0  # transparent background
    x0, y0, x1, y1 = _ink(a)
    assert x0 >= 10 and y0 >= 10 and x1 <= 190 and y1 <= a.shape[0] - 10 + 2  # 10 px padding
    assert a.shape[0] > 4 * 12  # several lines of 12 px type
    assert (a[..., :3][a[..., 3] > 200] < 30).all()  # black text


def test_width_leading_tracking_padding() -> None:
    narrow, wide = _image(LONG), _image(LONG + "&w=600")
    assert wide.shape[1] == 600 and wide.shape[0] < narrow.shape[0]
    assert _image(LONG + "&txt-lead=10").shape[0] > narrow.shape[0] + 10
    plain, tracked = _ink(_image("txt=Hello&w=300")), _ink(_image("txt=Hello&w=300&txt-track=4"))
    assert (tracked[2] - tracked[0]) - (plain[2] - plain[0]) >= 4 * 4 - 1
    padded = _image("txt=Hello&w=300&txt-pad=40")
    assert _ink(padded)[:2] >= (40, 40) and padded.shape[0] > plain[3] + 60


def test_align_size_colour_bg_and_other_params() -> None:
    x0, _, x1, _ = _ink(_image("txt=Hi&w=300&txt-align=center&txt-size=30"))
    assert abs((x0 + x1) / 2 - 150) <= 3
    red = _image("txt=Hi&w=100&txt-color=f00&bg=00f&txt-size=30")
    assert red[0, 0].tolist() == [0, 0, 255, 255]  # bg fills the background
    assert ((red[..., 0] > 200) & (red[..., 2] < 60)).sum() > 50
    rotated = _image("txt=Hi&w=100&rot=90&fm=png")
    assert rotated.shape[1] == 100  # pipeline params still apply after the text step


def test_spec_vector_with_emoji() -> None:
    a = _image("txt64=SSBjYW5uw7h0IGJlbMOuw6l24oiRIGl0IHdvcu-jv3MhIPCfmLE&w=300&txt-size=24")
    opaque = a[a[..., 3] > 200][:, :3].astype(int)
    assert (opaque.max(axis=1) - opaque.min(axis=1) > 80).sum() > 50  # the colour 😱


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    store = LocalFolderStore(tmp_path)
    store.put("photo.png", fixture("SH_with-alpha.png").read_bytes())
    return TestClient(create_app(RendererConfig(origin=Origin(store), token=TOKEN)))


def test_endpoint_over_http_is_signed(client: TestClient) -> None:
    query = "txt=Hello%20world&w=300&txt-size=20"
    assert client.get(f"/~text?{query}").status_code == 403
    r = client.get(f"/~text?{query}&s={sign(TOKEN, '/~text', query)}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = vips.from_buffer(r.content)
    assert image.width == 300 and image.bands == 4
    assert "txt" in r.headers["x-imgix-params"]


def test_overlay_errors_over_http(client: TestClient) -> None:
    query = "mark=https%3A%2F%2Fexample.com%2Flogo.png"
    r = client.get(f"/photo.png?{query}&s={sign(TOKEN, '/photo.png', query)}")
    assert r.status_code == 400 and "`mark`" in r.text and "not an allowed overlay host" in r.text
    query = "mark=%2Fphoto.png%3Fw%3D10"
    r = client.get(f"/photo.png?{query}&s={sign(TOKEN, '/photo.png', query)}")
    assert r.status_code == 400 and "loop" in r.text
    query = "mark=~text%3Ftxt%3DHi&fm=png"
    ok = client.get(f"/photo.png?{query}&s={sign(TOKEN, '/photo.png', query)}")
    assert ok.status_code == 200
    query += "&w=50"  # not cached yet
    deep = client.get(f"/photo.png?{query}&s={sign(TOKEN, '/photo.png', query)}", headers={OVERLAY_DEPTH_HEADER: "3"})
    assert deep.status_code == 400 and "deeper" in deep.text
