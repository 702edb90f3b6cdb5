"""Every test of imgworker.config runs without the developer's variables, in an empty directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.env import clear_settings_env


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable from the developer's shell or .env leaks into these tests."""
    clear_settings_env(monkeypatch, tmp_path)
