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
    jobs = []
    for _ in range(3):
        jobs.append(outputs.new_job())
        outputs.finish(jobs[-1][0])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(j for j, _ in jobs[1:])
    job_id, folder = jobs[-1]
    (folder / "0-a.jpg").write_bytes(b"x")
    assert outputs.file(job_id, "0-a.jpg") == folder / "0-a.jpg"
    for bad in [(job_id, "../x"), ("nothex", "0-a.jpg"), (job_id, "1-b.jpg")]:
        with pytest.raises(LibraryError):
            outputs.file(*bad)


def test_cleanup_never_removes_queued_or_running_jobs(tmp_path: Path) -> None:
    outputs = Outputs(tmp_path / "out", keep=1)
    running, _ = outputs.new_job()
    queued, _ = outputs.new_job()  # prepared while `running` runs: must not delete its folder
    assert {p.name for p in (tmp_path / "out").iterdir()} == {running, queued}
    outputs.finish(running)
    third, _ = outputs.new_job()  # only finished jobs beyond the keep count go
    assert {p.name for p in (tmp_path / "out").iterdir()} == {queued, third}
    outputs.finish(queued)
    outputs.finish(third)
    last, _ = outputs.new_job()
    assert [p.name for p in (tmp_path / "out").iterdir()] == [last]


def test_safe_name_keeps_unicode_letters() -> None:
    assert safe_name("фото кота.png") == "фото_кота.png"
    assert safe_name("猫の写真.JPG") == "猫の写真.JPG"
    assert safe_name("café.webp") == "café.webp"  # composed (NFKC) whatever the client sent
    assert safe_name("cafe\u0301.webp") == "café.webp"
    assert safe_name("हिन्दी.png") == "हिन्दी.png"  # combining marks kept
    assert safe_name("ｆｏｏ．ｐｎｇ") == "foo.png"  # full-width forms folded
    assert safe_name("a\x00b\u202ec\nd／e.png") == "e.png"  # ／ folds to a separator: folder dropped
    assert safe_name("a\x00b\u202ec\nd.png") == "a_b_c_d.png"  # control and bidi characters
    assert safe_name("😀 smile.gif") == "_smile.gif"
    for name in ("фото кота.png", "a\x00b.png", "x" * 300 + ".jpeg", "猫" * 200 + ".png"):
        assert safe_name(safe_name(name)) == safe_name(name)  # stable: output names are checked with it


def test_safe_name_truncation_keeps_the_extension() -> None:
    long = safe_name("x" * 200 + ".jpeg")
    assert len(long) == 120 and long.endswith(".jpeg") and long.startswith("xxx")
    wide = safe_name("猫" * 200 + ".png")  # 3 UTF-8 bytes a character: the byte limit applies too
    assert wide.endswith(".png") and len(wide.encode()) <= 200
    assert len(safe_name("y" * 300)) == 120
    assert safe_name("z" * 130 + "." + "e" * 30).startswith("zzz")  # not an extension: plain cut


def test_upload_limit_message_says_what_and_which_limit(tmp_path: Path) -> None:
    lib = Library(tmp_path / "uploads", None, max_upload_bytes=2 * 1024 * 1024)
    with pytest.raises(LibraryError) as big:
        lib.save("a.jpg", b"x" * (2 * 1024 * 1024 + 1))
    assert big.value.status == 413
    assert big.value.message == "the upload is larger than the 2 MiB limit (IMGWORKER_MAX_UPLOAD_BYTES)"
