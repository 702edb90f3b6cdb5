"""datauri: parsing sources and building embedded renditions."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgworker.asset_compute.datauri import file_as_data_uri, is_data_uri, parse_data_uri


@pytest.mark.parametrize(
    ("uri", "mime", "data"),
    [
        ("data:text/plain;base64,aGVsbG8gZnJvbSBkYXRhIHVyaQ==", "text/plain", b"hello from data uri"),
        ("data:,A%20brief%20note", "text/plain;charset=US-ASCII", b"A brief note"),
        ("data:image/png;name=x.png;base64,AAEC", "image/png;name=x.png", b"\x00\x01\x02"),
        ("DATA:;base64,aGk", "text/plain;charset=US-ASCII", b"hi"),  # missing padding is tolerated
    ],
)
def test_parse(uri: str, mime: str, data: bytes) -> None:
    assert is_data_uri(uri)
    parsed = parse_data_uri(uri)
    assert (parsed.mime, parsed.data) == (mime, data)


@pytest.mark.parametrize("uri", ["data:text/plain", "data:;base64,@@@", "https://h/x"])
def test_invalid(uri: str) -> None:
    with pytest.raises(ValueError):
        parse_data_uri(uri)


def test_file_as_data_uri(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"tiny text")
    assert (
        file_as_data_uri(path, "text/plain; charset=us-ascii") == "data:text/plain;charset=us-ascii;base64,dGlueSB0ZXh0"
    )
