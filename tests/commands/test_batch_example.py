"""The README's batch example runs: examples/batch/manifest.csv with its profiles, on the local pool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import size_of

REPO = Path(__file__).resolve().parents[2]


def test_example_batch_makes_every_rendition(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGIX_")}
    env["IMGWORKER_STAGING_STORE"] = str(tmp_path / "staging")
    cmd = [sys.executable, "-m", "imgworker.cli", "batch", "examples/batch/manifest.csv", "--profiles",
           "examples/batch/profiles.toml", "--no-progress", "--workers", "1", "--results", "results.jsonl"]  # fmt: skip
    result = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert len(records) == 10 and all(r["status"] == "created" for r in records)
    assert size_of((tmp_path / "out/batch/avatars/astronaut/avatar.png").read_bytes()) == (128, 128)
    assert size_of((tmp_path / "out/batch/web/chelsea/square.jpg").read_bytes()) == (300, 300)
