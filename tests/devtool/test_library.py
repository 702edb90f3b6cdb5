"""The devtool's source library and output folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtool.serving import PHOTOS
from imgworker.devtool.library import Library, LibraryError, Outputs, safe_name


def test_safe_name() -> None:
    assert safe_name("my cat (1).PNG") == "my_cat_1_.PNG"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name(".hidden.jpg") == "hidden.jpg"
    with pytest.raises(LibraryError):
        safe_name("...")


def test_uploads_shadow_examples_and_are_described(tmp_path: Path) -> None:
    lib = Library(tmp_path / "uploads", PHOTOS, max_upload_bytes=10_000_000)
    saved = lib.save("chelsea.png", (PHOTOS / "chelsea.png").read_bytes())
    assert (saved.origin, saved.format, saved.width, saved.height) == ("upload", "image/png", 451, 300)
    listed = lib.list()
    assert [s.origin for s in listed if s.name == "chelsea.png"] == ["upload"]
    assert {"astronaut.png", "portrait.jpg"} <= {s.name for s in listed}
    assert lib.find("chelsea.png") == tmp_path / "uploads" / "chelsea.png"
    assert lib.find("portrait.jpg") == PHOTOS / "portrait.jpg"


def test_refusals(tmp_path: Path) -> None:
    lib = Library(tmp_path / "uploads", tmp_path / "no-such-dir", max_upload_bytes=20)
    with pytest.raises(LibraryError) as big:
        lib.save("a.jpg", b"x" * 21)
    assert big.value.status == 413
    with pytest.raises(LibraryError, match="empty"):
        lib.save("a.jpg", b"")
    for name in ("missing.jpg", "../uploads/a.jpg", "a b.jpg"):
        with pytest.raises(LibraryError) as missing:
            lib.find(name)
        assert missing.value.status == 404
    described = lib.save("notes.txt", b"not an image")
    assert (described.format, described.width) == ("", 0)


def test_outputs_are_pruned_and_checked(tmp_path: Path) -> None:
    outputs = Outputs(tmp_path / "out", keep=2)
    jobs = [outputs.new_job() for _ in range(3)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(j for j, _ in jobs[1:])
    job_id, folder = jobs[-1]
    (folder / "0-a.jpg").write_bytes(b"x")
    assert outputs.file(job_id, "0-a.jpg") == folder / "0-a.jpg"
    for bad in [(job_id, "../x"), ("nothex", "0-a.jpg"), (job_id, "1-b.jpg")]:
        with pytest.raises(LibraryError):
            outputs.file(*bad)
