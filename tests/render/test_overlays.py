"""Overlay resolution: origin paths, loops and depth, recursive rendering, ``~text``, absolute URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import fixture
from imgworker.render import vips
from imgworker.render.errors import BadRequest
from imgworker.render.overlays import OverlayFetcher, OverlayPolicy, depth_from_header
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

MARK = fixture("SH_with-alpha.png").read_bytes()  # 256x192 RGBA


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    store = LocalFolderStore(tmp_path)
    store.put("marks/logo.png", MARK)
    store.put("photo.png", vips.save(vips.solid(64, 48, (10, 20, 30)), ".png"))
    return Origin(store)


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


def test_absolute_urls_go_through_the_policy(origin: Origin) -> None:
    fetcher = OverlayFetcher(origin)  # no allowed host by default
    with pytest.raises(BadRequest, match=r"`mark` URL host 'example\.com' is not an allowed overlay host"):
        fetcher.overlay_image("https://example.com/logo.png", param="mark")
    with pytest.raises(BadRequest, match="received 'ftp:"):
        fetcher.fetch_overlay("ftp://example.com/logo.png", param="mark")
    assert depth_from_header("2") == 2 and depth_from_header("junk") == 0 and depth_from_header("99") == 3
    assert OverlayPolicy().hosts == ()
