"""Signed imgix URLs from rendition instructions, byte-identical to the ``imgix`` library's."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from imgix import UrlBuilder

from imgworker.render.params.signing import verify
from imgworker.worker.signing import InstructionsError, build_url, imgix_params


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("ab12.jpg", {"fit": "crop", "crop": "faces,entropy", "w": "300", "h": "300"}),
        ("dir/a b+c é.png", {"txt": "© imgworker", "mask": "ellipse", "fm": "png"}),
        ("x.jpg", {}),
    ],
)
def test_real_imgix_domain_urls_equal_the_library(path: str, params: dict[str, str]) -> None:
    ours = build_url("my-source.imgix.net", path, params, "SECRET")
    theirs = UrlBuilder("my-source.imgix.net", use_https=True, sign_key="SECRET").create_url(path, params)
    assert ours == theirs
    assert ours.startswith("https://my-source.imgix.net/")


def test_embedded_renderer_url_keeps_the_port_and_verifies() -> None:
    url = build_url("http://127.0.0.1:8123", "k/é.jpg", {"w": "10"}, "tok")
    parts = urlsplit(url)
    assert parts.netloc == "127.0.0.1:8123" and parts.scheme == "http"
    assert verify("tok", parts.path, parts.query)


def test_instructions_forms() -> None:
    assert imgix_params({"w": 300, "crop": ["faces", "entropy"], "lossless": True}) == {
        "w": "300", "crop": "faces,entropy", "lossless": "true"}  # fmt: skip
    assert imgix_params('{"w": 640, "fm": "webp", "q": 70}') == {"w": "640", "fm": "webp", "q": "70"}
    assert imgix_params("w=300&h=300&fit=crop") == {"w": "300", "h": "300", "fit": "crop"}
    assert imgix_params(None) == {}
    with pytest.raises(InstructionsError, match="not valid JSON"):
        imgix_params('{"w": 3')
    with pytest.raises(InstructionsError, match="received list"):
        imgix_params([1, 2])


def test_base64_instructions_are_not_encoded_twice() -> None:
    # the library base64-encodes every *64 key; an already encoded value is decoded first
    url = build_url("my-source.imgix.net", "a.jpg", {"txt64": "R3LDvMOfZSDigJMg5L2g5aW9"}, "K")
    assert url.count("txt64=R3LDvMOfZSDigJMg5L2g5aW9&") == 1
    with pytest.raises(InstructionsError, match="txt64"):
        build_url("my-source.imgix.net", "a.jpg", {"txt64": "!!!"}, "K")


def test_repeated_auto_in_a_query_string_merges() -> None:
    assert imgix_params("auto=compress&auto=format&w=600") == {"auto": "compress,format", "w": "600"}
