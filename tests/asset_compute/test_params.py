"""params: shapes, normalisation (string source, url alias, fmt from type) and error classes/messages."""

from __future__ import annotations

from typing import Any

import pytest

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.errors import GenericError, SourceCorruptError, SourceUnsupportedError
from imgworker.asset_compute.params import derive_fmt, validate_params

CFG = AssetComputeConfig()
T = "https://h/put"


def test_string_source_and_normalised_renditions() -> None:
    raw: dict[str, Any] = {
        "source": "https://h/a.jpg",
        "renditions": [None, {"fmt": "png", "target": T, "x": 1}, {"url": T, "type": "image/jpeg"}],
    }
    req = validate_params(raw, CFG, "myworker")
    assert req.source is not None and req.source.url == "https://h/a.jpg"
    assert req.instructions == [
        {"fmt": "png", "target": T, "x": 1},
        {"url": T, "type": "image/jpeg", "target": T, "fmt": "jpeg"},
    ]
    assert req.url_alias == [False, True]
    assert req.params["times"] == {} and raw["renditions"][1] == {"fmt": "png", "target": T, "x": 1}  # not mutated


def test_source_object_aliases_and_multipart_target() -> None:
    raw = {
        "source": {"url": "https://h/a", "mimeType": "image/png", "size": 3, "headers": {"a": "b"}, "extra": 1},
        "renditions": [{"fmt": "png", "target": {"urls": [T, T], "minPartSize": 1, "maxPartSize": 9}}],
        "userData": {"k": "v"},
        "requestId": 42,
    }
    req = validate_params(raw, CFG)
    assert req.source is not None and (req.source.mimetype, req.source.size, req.source.headers) == (
        "image/png",
        3,
        {"a": "b"},
    )
    assert req.request_id == "42"


@pytest.mark.parametrize(
    ("raw", "cls", "message"),
    [
        ([], GenericError, "'params' is not an object."),
        ({"renditions": {"a": 1}}, GenericError, "'renditions' is not an array."),
        ({"renditions": [None]}, GenericError, "'renditions' array is empty."),
        (
            {"source": "ftp://h/x", "renditions": [{"target": T}]},
            SourceUnsupportedError,
            "Invalid or missing https url ftp://h/x",
        ),
        ({"source": "https://h/x?sig=secret", "renditions": []}, GenericError, "'renditions' array is empty."),
        (
            {"source": "http://h/x?sig=secret", "renditions": [{"target": T}]},
            SourceUnsupportedError,
            "Invalid or missing https url http://h/x?<redacted>",
        ),
        (
            {"source": "data:;base64,!!!", "renditions": [{"target": T}]},
            SourceCorruptError,
            "Invalid or missing data url",
        ),
        (
            {"source": {"name": "x"}, "renditions": [{"target": T}]},
            SourceUnsupportedError,
            "source.url: Field required",
        ),
        (
            {"source": {"url": "https://h", "size": -1}, "renditions": [{"target": T}]},
            SourceUnsupportedError,
            "source.size: Input should be greater than or equal to 0",
        ),
        ({"renditions": [{"target": {"maxPartSize": 3}}]}, GenericError, "renditions[0].target.urls: Field required"),
        ({"renditions": [{"target": T, "embedBinaryLimit": -1}]}, GenericError, "renditions[0].embedBinaryLimit:"),
        ({"renditions": ["x"]}, GenericError, "renditions[0]: Input should be a valid dictionary"),
        (
            {"renditions": [{"target": T}, {"target": "http://h/p"}]},
            GenericError,
            "rendition[1].target is not a valid https url",
        ),
        (
            {"renditions": [{"target": {"urls": [T, "http://h/p"]}}]},
            GenericError,
            "rendition[0].target.urls[1] is not a valid https url",
        ),
        ({"renditions": [{"fmt": "png"}]}, GenericError, "rendition[0].target is neither a string nor an object"),
        (
            {"renditions": [{"target": T}], "userData": "x"},
            GenericError,
            "userData: Input should be a valid dictionary",
        ),
    ],
)
def test_errors_name_the_field(raw: Any, cls: type[Exception], message: str) -> None:
    with pytest.raises(cls) as info:
        validate_params(raw, CFG, "myworker")
    assert type(info.value) is cls
    assert str(info.value).startswith(message)
    if cls is GenericError:
        assert info.value.location == "myworker_validate"  # type: ignore[attr-defined]


def test_http_allowed_by_config_and_test_mode_skips_url_checks() -> None:
    raw = {"source": "http://127.0.0.1/x", "renditions": [{"target": "http://127.0.0.1/p"}]}
    assert validate_params(raw, AssetComputeConfig(allow_http=True)).instructions[0]["target"] == "http://127.0.0.1/p"
    req = validate_params({"source": "file.jpg", "renditions": [{"fmt": "jpg"}]}, AssetComputeConfig(test_mode=True))
    assert req.source is not None and req.source.url == "file.jpg"


@pytest.mark.parametrize(
    ("instructions", "fmt"),
    [
        ({"fmt": "webp"}, "webp"),
        ({"type": "image/png"}, "png"),
        ({"type": "image/jpeg"}, "jpeg"),
        ({"type": "text/plain; charset=utf-8"}, "txt"),
        ({"type": "application/x-nothing"}, None),
        ({}, None),
    ],
)
def test_derive_fmt(instructions: dict[str, Any], fmt: str | None) -> None:
    assert derive_fmt(instructions) == fmt
