"""`imgworker config`: the masked settings, what is missing, exit codes 0/1/2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from config.env import clear_settings_env
from helpers import run_command
from imgworker.commands import config as command
from imgworker.config import DEFAULT_STAGING_STORE


def main(argv: list[str]) -> int:
    """Run ``imgworker {argv}`` through this command's own ``register`` (as imgworker.cli does)."""
    return run_command(command, argv)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable from the developer's shell or .env leaks into these tests."""
    clear_settings_env(monkeypatch, tmp_path)


def test_config_command_text(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMGIX_SECURE_TOKEN", "secure-token-abcdef")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "IMGIX_SECURE_TOKEN" in out and "****cdef" in out
    assert "secure-token-abcdef" not in out
    assert re.search(rf"^\(resolved\) staging store +{re.escape(DEFAULT_STAGING_STORE)}$", out, re.M)
    assert "note: AZURE_STORAGE_ACCOUNT" in out


def test_config_command_reports_missing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    env = tmp_path / "imgix.env"
    env.write_text("IMGIX_DOMAIN=my-source.imgix.net\n", encoding="utf-8")
    assert main(["config", "--env-file", str(env), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["settings"]["IMGIX_DOMAIN"] == "my-source.imgix.net"
    assert {p["variable"] for p in payload["problems"] if p["required"]} == {
        "IMGIX_SECURE_TOKEN",
        "IMGIX_STORAGE_ACCOUNT",
    }


def test_config_command_invalid_value(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMGWORKER_STAGING_RETENTION_DAYS", "soon")
    assert main(["config"]) == 2
    assert "IMGWORKER_STAGING_RETENTION_DAYS" in capsys.readouterr().err
