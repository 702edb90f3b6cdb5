"""imgworker test-worker: the repository's own cases pass; failing, erroring and tolerant cases are judged
like aio (exit codes 0/1/2/3, JUnit report)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import pyvips

from imgworker.asset_compute.imagecompare import compare_files
from imgworker.asset_compute.testrunner import discover
from imgworker.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "worker-cases"


def make_case(root: Path, name: str, files: dict[str, bytes], params: dict[str, object] | None = None) -> Path:
    case = root / name
    case.mkdir(parents=True)
    for file_name, data in files.items():
        (case / file_name).write_bytes(data)
    if params is not None:
        (case / "params.json").write_text(json.dumps(params))
    return case


def gradient(noise: int = 0) -> pyvips.Image:
    xyz = pyvips.Image.xyz(64, 48)
    image = (xyz[0] * 3 + noise).cast("uchar").bandjoin([(xyz[1] * 4).cast("uchar"), (xyz[0] + xyz[1]).cast("uchar")])
    return image


def test_the_repository_cases_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test-worker", str(CASES), "--build-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert " - passthrough" in out and "✔  simple-test" in out
    assert " - imgix" in out and "✔  ellipse-mask" in out
    total = sum(len(cases) for cases in discover(CASES).values())
    assert f"Tests: {total}, Failures: 0, Errors: 0" in out
    count = len(discover(CASES)["passthrough"])
    suite = ET.parse(tmp_path / "test-results" / "test-passthrough" / "test-results.xml").getroot()[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == (str(count), "0", "0")


def test_failures_errors_and_tolerance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "cases" / "copier"
    jpeg = bytes(gradient().jpegsave_buffer(Q=90))
    near = bytes(gradient(noise=3).jpegsave_buffer(Q=80))  # same picture, other bytes
    far = bytes(gradient(noise=90).jpegsave_buffer(Q=90))
    make_case(root, "tolerant", {"file.jpg": jpeg, "rendition.jpg": near})
    make_case(root, "different", {"file.jpg": jpeg, "rendition.jpg": far})
    make_case(root, "wrong-error", {"file.jpg": jpeg}, {"fmt": "png", "errorReason": "SourceCorrupt"})
    make_case(root, "no-error", {"file.jpg": jpeg}, {"fmt": "jpg", "errorReason": "SourceCorrupt"})
    make_case(root, "invalid", {"file.jpg": jpeg, "rendition.jpg": jpeg}, {"errorReason": "SourceCorrupt"})
    validate = make_case(root, "validate-says-no", {"file.jpg": jpeg, "rendition.jpg": jpeg})
    (validate / "validate").write_text('cmp -s "$1" "$2" && exit 7\n')
    build = tmp_path / "build"

    code = main(
        [
            "test-worker",
            str(root.parent),
            "--build-dir",
            str(build),
            "-w",
            "imgworker.asset_compute.examples:copy_source",
        ]
    )
    out = capsys.readouterr().out
    assert code == 2  # errors win over failures
    lines = {line.split()[1].rstrip(":"): line.split()[0] for line in out.splitlines() if line.startswith("    ")}
    assert lines == {
        "tolerant": "✔",
        "different": "✖",
        "wrong-error": "✖",
        "no-error": "✖",
        "invalid": "!",
        "validate-says-no": "✖",
    }
    assert "Rendition 'rendition0.jpg' not as expected" in out and "of pixels differ" in out
    assert "Expected error 'SourceCorrupt' but got 'RenditionFormatUnsupported'" in out
    assert "Expected error 'SourceCorrupt' but none occurred" in out
    assert "validate exit code was 7" in out
    assert (build / "test-worker" / "copier" / "failed" / "different" / "rendition0.jpg").is_file()
    suite = ET.parse(build / "test-results" / "test-copier" / "test-results.xml").getroot()[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "4", "1")

    shutil.rmtree(root / "invalid")
    assert (
        main(
            [
                "test-worker",
                str(root),
                "--build-dir",
                str(build),
                "-w",
                "imgworker.asset_compute.examples:copy_source",
                "-t",
                "*tolerant",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "test-worker",
                str(root / "tolerant"),
                "--build-dir",
                str(build),
                "--fuzz",
                "0",
                "-w",
                "imgworker.asset_compute.examples:copy_source",
            ]
        )
        == 1
    )
    capsys.readouterr()


def test_missing_rendition_update_and_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jpeg = bytes(gradient().jpegsave_buffer(Q=90))
    silent = make_case(tmp_path / "a", "silent", {"file.jpg": jpeg, "rendition.jpg": jpeg})
    assert (
        main(
            [
                "test-worker",
                str(silent),
                "-w",
                "plugins.asset_compute:silent_callback",
                "--build-dir",
                str(tmp_path / "b"),
            ]
        )
        == 1
    )
    assert "No rendition generated" in capsys.readouterr().out

    stale = make_case(
        tmp_path / "u",
        "stale",
        {"file.png": bytes(gradient().pngsave_buffer()), "rendition.png": bytes(gradient(noise=80).pngsave_buffer())},
    )
    passthrough = "imgworker.asset_compute.examples:passthrough"
    assert main(["test-worker", str(stale), "-u", "-w", passthrough, "--build-dir", str(tmp_path / "b")]) == 0
    assert (stale / "rendition.png").read_bytes() == (stale / "file.png").read_bytes()

    (tmp_path / "empty").mkdir()
    assert main(["test-worker", str(tmp_path / "empty")]) == 3
    assert main(["test-worker", str(tmp_path / "nowhere")]) == 3
    assert main(["test-worker", str(stale), "-w", "no.such.module:worker"]) == 3
    assert "Cannot load the worker" in capsys.readouterr().out


def test_compare_files(tmp_path: Path) -> None:
    a, b, c, t = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.jpg", tmp_path / "t.txt"
    gradient().pngsave(str(a))
    gradient(noise=2).pngsave(str(b))
    gradient().jpegsave(str(c))
    t.write_text("text")
    assert compare_files(a, a) is None
    assert compare_files(a, b) is None
    assert compare_files(a, b, fuzz=0.0) is not None
    assert compare_files(a, c) == "format is image/jpeg, expected image/png"
    assert compare_files(t, a) == "content differs"
    small = tmp_path / "s.png"
    gradient().resize(0.5).pngsave(str(small))
    assert compare_files(a, small) == "size is 32x24, expected 64x48"
    alpha = tmp_path / "alpha.png"
    gradient().bandjoin(255).pngsave(str(alpha))
    assert compare_files(a, alpha) is None


def test_a_validate_script_runs_with_a_relative_cases_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    jpeg = bytes(gradient().jpegsave_buffer(Q=90))
    case = make_case(tmp_path / "cases", "scripted", {"file.jpg": jpeg, "rendition.jpg": jpeg,
                                                      "validate": b'test -s "$1" && test -s "$2"\n'})  # fmt: skip
    passthrough = "imgworker.asset_compute.examples:passthrough"
    monkeypatch.chdir(tmp_path)
    assert main(["test-worker", "cases", "-w", passthrough, "--build-dir", "build"]) == 0, capsys.readouterr().out
    (case / "validate").write_bytes(b"exit 3\n")
    assert main(["test-worker", "cases", "-w", passthrough, "--build-dir", "build"]) == 1
    assert "validate exit code was 3" in capsys.readouterr().out


def test_an_invalid_params_json_is_an_error_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jpeg = bytes(gradient().jpegsave_buffer(Q=90))
    make_case(tmp_path / "cases" / "act", "bad", {"file.jpg": jpeg, "params.json": b"{bad"})
    assert main(["test-worker", str(tmp_path / "cases")]) == 2
    out = capsys.readouterr().out
    assert "params.json" in out and "not valid JSON" in out
