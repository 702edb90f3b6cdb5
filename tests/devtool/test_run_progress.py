"""``imgworker run`` shows a rich progress bar on a terminal for multi-rendition runs, never with --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtool.serving import PHOTOS
from imgworker.cli import main


def request_file(tmp_path: Path) -> Path:
    request = {
        "source": str(PHOTOS / "chelsea.png"),
        "renditions": [
            {"name": "a.jpg", "imgix": {"w": 40}, "target": str(tmp_path / "a.jpg")},
            {"name": "b.png", "fmt": "png", "imgix": {"w": 30}, "target": str(tmp_path / "b.png")},
        ],
    }
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    return path


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("IMGIX_DOMAIN", "IMGIX_SECURE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMGWORKER_STAGING_STORE", str(tmp_path / "staging"))
    monkeypatch.chdir(tmp_path)


def test_progress_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert main(["run", str(request_file(tmp_path))]) == 0
    out, err = capsys.readouterr()
    assert "2/2" in err and "b.png" in err  # the bar, on stderr
    assert "renditions" in out and "40x27" in out  # the summary table, unchanged, on stdout


def test_no_progress_with_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert main(["run", str(request_file(tmp_path)), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert [json.loads(line)["type"] for line in out.splitlines()] == ["rendition_created"] * 2
