"""source: the local file name rule and the Source object."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgworker.asset_compute.params import SourceSpec
from imgworker.asset_compute.source import local_name, make_source


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ({"url": "https://h/a/photo.jpg?sig=1"}, "source.jpg"),
        ({"url": "https://h/a/photo.jpg", "name": "photo.JPG"}, "source.JPG"),
        ({"url": "https://h/a/blob", "name": "noext"}, "source"),
        ({"url": "https://h/a/blob", "mimetype": "image/png"}, "source.png"),
        ({"url": "https://h/a/na%20me.tif"}, "source.tif"),
        ({"url": "data:text/plain;base64,aGk="}, "source"),
    ],
)
def test_local_name(spec: dict[str, str], name: str) -> None:
    assert local_name(SourceSpec.model_validate(spec)) == name


def test_make_source(tmp_path: Path) -> None:
    spec = SourceSpec.model_validate({"url": "https://h/x.jpg", "type": "image/jpeg", "size": 5, "headers": {"a": "b"}})
    src = make_source(spec, tmp_path)
    assert (src.name, src.path, src.type, src.mimetype, src.size, src.headers, src.extension) == (
        "source.jpg",
        tmp_path / "source.jpg",
        "image/jpeg",
        "image/jpeg",
        5,
        {"a": "b"},
        "jpg",
    )
    assert not src.exists()
    test = make_source(SourceSpec(url="cases/file.png"), tmp_path, test_mode=True)
    assert test.name == "file.png" and make_source(SourceSpec(url="data:,x"), tmp_path).extension == ""
