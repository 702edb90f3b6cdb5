"""rendition: names, id(), size/sha1, metadata order, embedding and event instructions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyvips

from imgworker.asset_compute.rendition import Rendition


def test_names_and_ids(tmp_path: Path) -> None:
    r = Rendition({"fmt": "png", "name": "thumb.png", "target": "https://h/p"}, tmp_path, 3)
    assert (r.name, r.path, r.id(), r.fmt, r.target) == (
        "rendition3.png",
        tmp_path / "rendition3.png",
        "thumb.png",
        "png",
        "https://h/p",
    )
    bare = Rendition({}, tmp_path, 0)
    assert (bare.name, bare.id(), bare.target, bare.size(), bare.sha1(), bare.exists()) == (
        "rendition0",
        0,
        None,
        None,
        None,
        False,
    )
    assert bare.metadata() == {"repo:size": 0, "dc:format": "application/octet-stream", "repo:sha1": None}


def test_metadata_of_an_image(tmp_path: Path) -> None:
    r = Rendition({"fmt": "jpg"}, tmp_path, 0)
    pyvips.Image.black(40, 30, bands=3).jpegsave(str(r.path))
    data = r.path.read_bytes()
    assert list(r.metadata().items()) == [
        ("repo:size", len(data)),
        ("tiff:imageWidth", 40),
        ("tiff:imageHeight", 30),
        ("dc:format", "image/jpeg"),
        ("repo:sha1", hashlib.sha1(data).hexdigest()),
    ]


def test_text_content_type_override_and_data_uri(tmp_path: Path) -> None:
    r = Rendition({"fmt": "txt", "embedBinaryLimit": 9}, tmp_path, 0)
    r.path.write_text("tiny text")
    assert r.content_type() == "text/plain; charset=us-ascii"
    assert r.metadata()["repo:encoding"] == "us-ascii"
    assert r.should_embed()
    assert r.as_data_uri() == "data:text/plain;charset=us-ascii;base64,dGlueSB0ZXh0"
    r.set_content_type("text/plain", "utf-8")
    assert (r.mime_type(), r.encoding(), r.content_type()) == ("text/plain", "utf-8", "text/plain; charset=utf-8")


def test_embed_limits(tmp_path: Path) -> None:
    for limit, expected in ((8, False), (40000, False), ("9", False), (True, False), (32768, True)):
        r = Rendition({"embedBinaryLimit": limit}, tmp_path, 0)
        r.path.write_text("tiny text")
        assert r.should_embed() is expected, limit


def test_instructions_for_event(tmp_path: Path) -> None:
    r = Rendition({"fmt": "jpg", "target": "https://h/p", "url": "https://h/p", "k": 1}, tmp_path, 0, url_alias=True)
    r.instructions["k"] = 2  # a callback changing its instructions does not change the event
    assert r.instructions_for_event() == {"fmt": "jpg", "k": 1}
    r2 = Rendition({"fmt": "jpg", "target": "https://h/p", "url": "https://h/other"}, tmp_path, 1)
    assert r2.instructions_for_event() == {"fmt": "jpg", "url": "https://h/other"}
