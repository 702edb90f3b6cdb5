"""``run_job``: the three steps for real with the embedded renderer and local targets."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import EXAMPLES, decode, fixture, loader_of, mad, size_of
from imgworker.worker.config import WorkerConfig
from imgworker.worker.job import run_job


@pytest.fixture
def config(tmp_path: Path) -> WorkerConfig:
    return WorkerConfig(staging_store=str(tmp_path / "staging"))


def _request(source: str, out: Path, *renditions: dict[str, Any]) -> dict[str, Any]:
    rs = [dict(r, target=str(out / r["name"])) for r in renditions]
    return {"source": source, "renditions": rs, "requestId": "req-1", "userData": {"k": "v"}}


def test_two_renditions_are_made_with_events(config: WorkerConfig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    req = _request(
        str(EXAMPLES / "astronaut.png"), out,
        {"name": "square.jpg", "fmt": "jpg", "imgix": {"fit": "crop", "crop": "entropy", "w": 300, "h": 300}},
        {"name": "wide.webp", "fmt": "webp", "imgix": '{"w": 640, "fm": "webp", "q": 70}'},
    )  # fmt: skip
    report = run_job(req, config)
    assert report.failed == 0
    square, wide = (out / "square.jpg").read_bytes(), (out / "wide.webp").read_bytes()
    assert size_of(square) == (300, 300) and loader_of(square).startswith("jpegload")
    assert size_of(wide) == (640, 640) and loader_of(wide).startswith("webpload")
    created = [e for e in report.events if e["type"] == "rendition_created"]
    assert len(created) == 2
    meta = created[0]["metadata"]
    assert meta["tiff:imageWidth"] == 300 and meta["tiff:imageHeight"] == 300
    assert meta["dc:format"] == "image/jpeg" and meta["repo:size"] == len(square)
    assert created[0]["requestId"] == "req-1" and created[0]["userData"] == {"k": "v"}
    assert "target" not in created[0]["rendition"]
    assert decode(square).std() > 20  # a photo, not a flat image


def test_fmt_sets_the_output_format_when_imgix_has_no_fm(config: WorkerConfig, tmp_path: Path) -> None:
    req = _request(str(EXAMPLES / "chelsea.png"), tmp_path, {"name": "c.jpg", "fmt": "jpg", "imgix": {"w": 100}})
    run_job(req, config)
    assert loader_of((tmp_path / "c.jpg").read_bytes()).startswith("jpegload")


def test_restaging_the_same_bytes_does_not_copy_again(config: WorkerConfig, tmp_path: Path) -> None:
    req = _request(str(EXAMPLES / "chelsea.png"), tmp_path, {"name": "a.png", "imgix": {"w": 50}})
    run_job(req, config)
    staged = list(Path(config.staging_store).iterdir())
    mtime = staged[0].stat().st_mtime_ns
    run_job(req, config)
    assert [p.stat().st_mtime_ns for p in Path(config.staging_store).iterdir()] == [mtime]


def test_missing_source_fails_every_rendition_and_writes_nothing(config: WorkerConfig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    req = _request(str(tmp_path / "nope.jpg"), out, {"name": "a.jpg", "imgix": {"w": 10}},
                   {"name": "b.jpg", "imgix": {"w": 20}})  # fmt: skip
    report = run_job(req, config)
    assert report.failed == 2
    # a source that cannot be fetched fails every rendition with the SDK's download reason and the real message
    assert {e["errorReason"] for e in report.events} == {"GenericError"}
    assert all("not found" in e["errorMessage"] for e in report.events)
    assert not out.exists() or not any(out.iterdir())


def test_corrupt_source_is_source_corrupt_and_nothing_written(config: WorkerConfig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = run_job(_request(str(fixture("LV_truncated.jpg")), out, {"name": "a.jpg", "imgix": {"w": 100}}), config)
    assert [e["errorReason"] for e in report.events] == ["SourceCorrupt"]
    assert not (out / "a.jpg").exists() and not any(p for p in out.glob("*")) if out.exists() else True


def test_empty_source_is_rejected_before_rendering(config: WorkerConfig, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    report = run_job(_request(str(empty), tmp_path / "out", {"name": "a.jpg", "imgix": {"w": 10}}), config)
    assert report.events[0]["errorReason"] == "SourceCorrupt"
    assert "empty" in report.events[0]["errorMessage"]


def test_one_failed_rendition_among_three_leaves_the_others(config: WorkerConfig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    req = _request(
        str(EXAMPLES / "chelsea.png"), out,
        {"name": "ok1.jpg", "imgix": {"w": 100}},
        {"name": "bad.jpg", "imgix": '{"w": 100'},  # malformed JSON string
        {"name": "ok2.png", "imgix": {"w": 60, "fm": "png"}},
        {"name": "zero.png", "imgix": {"w": 0}},
    )  # fmt: skip
    report = run_job(req, config)
    assert [e["type"] for e in report.events] == [
        "rendition_created", "rendition_failed", "rendition_created", "rendition_failed"]  # fmt: skip
    assert "`w`" in report.events[3]["errorMessage"]
    assert report.events[1]["errorReason"] == "GenericError" and "JSON" in report.events[1]["errorMessage"]
    assert size_of((out / "ok1.jpg").read_bytes()) == (100, 67)
    assert size_of((out / "ok2.png").read_bytes()) == (60, 40)
    assert not (out / "bad.jpg").exists()


def test_unimplemented_parameter_fails_the_rendition_naming_it(config: WorkerConfig, tmp_path: Path) -> None:
    from imgworker.render.params.coverage import IMPLEMENTED

    candidates = {"transparency": "grid", "iptc": "allow", "fill-gradient-type": "radial", "mark-rot": "10",
                  "rasterize-bypass": "true", "pdf-annotation": "false", "svg-sanitize": "false"}  # fmt: skip
    name, value = next((k, v) for k, v in candidates.items() if k not in IMPLEMENTED)
    req = _request(str(EXAMPLES / "chelsea.png"), tmp_path / "out", {"name": "a.jpg", "imgix": {"w": 10, name: value}},
                   {"name": "b.jpg", "imgix": {"w": 10, "lp-blur": 5}})  # fmt: skip
    report = run_job(req, config)
    assert report.events[0]["type"] == "rendition_failed" and name in report.events[0]["errorMessage"]
    assert not (tmp_path / "out" / "a.jpg").exists()
    # tier-X parameters (generative AI, video) are accepted and ignored, as documented
    assert report.events[1]["type"] == "rendition_created"


def test_source_as_file_url_and_names_with_special_characters(config: WorkerConfig, tmp_path: Path) -> None:
    src = tmp_path / "a b+c #1 é.png"
    shutil.copy(EXAMPLES / "chelsea.png", src)
    report = run_job(_request(src.as_uri(), tmp_path / "out", {"name": "x.png", "imgix": {"w": 30}}), config)
    assert report.failed == 0
    assert size_of((tmp_path / "out" / "x.png").read_bytes()) == (30, 20)


def test_txt64_renders_like_txt(config: WorkerConfig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    text = {"txt-size": 40, "txt-color": "fff", "txt-align": "middle,center", "fm": "png"}
    req = _request(
        str(EXAMPLES / "chelsea.png"), out,
        {"name": "plain.png", "imgix": {**text, "txt": "Grüße – 你好"}},
        {"name": "b64.png", "imgix": {**text, "txt64": "R3LDvMOfZSDigJMg5L2g5aW9"}},
        {"name": "none.png", "imgix": {"fm": "png"}},
    )  # fmt: skip
    assert run_job(req, config).failed == 0
    plain, b64, none = (decode((out / n).read_bytes()) for n in ("plain.png", "b64.png", "none.png"))
    assert mad(plain, b64) < 0.5 and mad(plain, none) > 1.0


def test_a_fmt_the_worker_cannot_make_fails_instead_of_mislabelling(config: WorkerConfig, tmp_path: Path) -> None:
    out = tmp_path / "out"
    req = _request(str(EXAMPLES / "chelsea.png"), out, {"name": "x.tiff", "fmt": "tiff", "imgix": {"w": 10}},
                   {"name": "y.pjpg", "fmt": "pjpg", "imgix": {"w": 10}})  # fmt: skip
    report = run_job(req, config)
    assert (
        report.events[0]["errorReason"] == "RenditionFormatUnsupported" and "tiff" in report.events[0]["errorMessage"]
    )
    assert not (out / "x.tiff").exists()
    assert report.events[1]["type"] == "rendition_created" and loader_of((out / "y.pjpg").read_bytes()).startswith(
        "jpegload"
    )
