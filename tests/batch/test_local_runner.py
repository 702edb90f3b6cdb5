"""``imgworker batch`` without a broker: the local process pool, --resume, retries, --check."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgworker.cli import main as cli

from .conftest import CORRUPT, FlakyTarget, read_jsonl, sha256, write_manifest


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("IMGIX_DOMAIN", "IMGIX_SECURE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMGWORKER_STAGING_STORE", str(tmp_path / "staging"))
    monkeypatch.setenv("IMGWORKER_RETRY_BACKOFF", "0.05")


def batch(manifest: Path, profiles: Path, out: Path, *extra: str) -> int:
    return cli(
        [
            "batch",
            str(manifest),
            "--profiles",
            str(profiles),
            "--out-dir",
            str(out),
            "--workers",
            "2",
            "--no-progress",
            *extra,
        ]
    )


def test_local_pool_makes_every_rendition_and_resume_skips_them(
    photos: list[Path], profiles_file: Path, tmp_path: Path
) -> None:
    rows = [(str(p), pr) for p in photos[:6] for pr in ("web", "thumbs")] + [(str(CORRUPT), "thumbs")]
    manifest = write_manifest(tmp_path / "m.csv", rows)
    out = tmp_path / "out"
    assert batch(manifest, profiles_file, out) == 1

    records = read_jsonl(manifest.with_suffix(".results.jsonl"))
    created = [r for r in records if r["status"] == "created"]
    assert len(created) == 30 and len({r["rendition_id"] for r in created}) == 30
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(files) == 30
    by_target = {r["target"]: r for r in created}
    assert all(sha256(p) == by_target[str(p)]["sha256"] for p in files)
    assert {(r["width"], r["height"]) for r in created if r["rendition"] == "square.jpg"} == {(64, 64)}
    assert [(r["reason"], r["attempts"]) for r in records if r["status"] == "failed"] == [("SourceCorrupt", 1)] * 2
    events = read_jsonl(manifest.with_suffix(".events.jsonl"))
    assert sorted(e["type"] for e in events) == ["rendition_created"] * 30 + ["rendition_failed"] * 2

    assert batch(manifest, profiles_file, out, "--resume") == 1  # only the corrupt job runs again
    again = read_jsonl(manifest.with_suffix(".results.jsonl"))
    assert len(again) == len(records) + 2 and [r["status"] for r in again[len(records) :]] == ["failed"] * 2


def test_local_pool_retries_a_flaky_target(photos: list[Path], flaky_target: FlakyTarget, tmp_path: Path) -> None:
    profiles = tmp_path / "p.toml"
    profiles.write_text(
        f'[up]\ntarget = "{flaky_target.base_url}/flaky/{{stem}}/{{name}}"\n'
        'renditions = [{ name = "r.jpg", imgix = { w = 40 } }]\n'
    )
    manifest = write_manifest(tmp_path / "m.csv", [(str(photos[0]), "up")])
    assert batch(manifest, profiles, tmp_path / "out") == 0
    (record,) = read_jsonl(manifest.with_suffix(".results.jsonl"))
    assert record["attempts"] == 3 and flaky_target.puts[f"/flaky/{photos[0].stem}/r.jpg"] == [503, 503, 201]


def test_check_and_bad_manifest(profiles_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_manifest(tmp_path / "m.csv", [("a.jpg", "web"), ("b.jpg", "thumbs")])
    assert batch(good, profiles_file, tmp_path / "out", "--check") == 0
    assert "2 jobs, 5 renditions (thumbs x1, web x1)" in capsys.readouterr().err
    bad = write_manifest(tmp_path / "bad.csv", [("a.jpg", "print")])
    assert batch(bad, profiles_file, tmp_path / "out") == 2
    assert "bad.csv:2: unknown profile 'print'" in capsys.readouterr().err
    assert not (tmp_path / "bad.results.jsonl").exists(), "nothing runs when the manifest is bad"
