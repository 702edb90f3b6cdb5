"""session.py: staging retention is applied when a job ends (IMGWORKER_STAGING_RETENTION_DAYS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import EXAMPLES
from imgworker.worker import action
from imgworker.worker.config import WorkerConfig
from imgworker.worker.job import run_job
from imgworker.worker.session import ImgixSession


def _request(out: Path, count: int) -> dict[str, Any]:
    renditions = [{"name": f"r{i}.jpg", "imgix": {"w": 40 + i}, "target": str(out / f"r{i}.jpg")} for i in range(count)]
    return {"source": str(EXAMPLES / "chelsea.png"), "renditions": renditions}


def _staged(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize(("days", "kept"), [(0, False), (None, True), (30, True)])
def test_retention_after_a_job(tmp_path: Path, days: float | None, kept: bool) -> None:
    staging = tmp_path / "staging"
    config = WorkerConfig(staging_store=str(staging), staging_retention_days=days)
    report = run_job(_request(tmp_path / "out", 2), config)
    assert [r.ok for r in report.renditions] == [True, True]
    assert bool(_staged(staging)) is kept


def test_a_shared_session_finishes_each_job(tmp_path: Path) -> None:
    """One session over several jobs (the web action's): the copy lives through the job's
    renditions (staged once) and is deleted when the job ends, not when the process does."""
    staging = tmp_path / "staging"
    with ImgixSession(WorkerConfig(staging_store=str(staging), staging_retention_days=0)) as session:
        staged: list[list[str]] = []
        real = session.stage

        def watch(path: str | Path, filename: str) -> Any:
            result = real(path, filename)
            staged.append(_staged(staging))
            return result

        session.stage = watch  # type: ignore[method-assign]
        report = run_job(_request(tmp_path / "a", 3), WorkerConfig(staging_store=str(staging)), session=session)
        assert all(r.ok for r in report.renditions)
        assert len(staged) == 3 and all(len(s) == 1 for s in staged)  # there during the job
        assert _staged(staging) == []  # gone at its end, the session still open
        assert all(r.ok for r in run_job(_request(tmp_path / "b", 1), session.config, session=session).renditions)
        assert _staged(staging) == []


def test_the_action_callback_ends_the_job_after_the_last_rendition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web action / OpenWhisk path (the SDK worker over ``action.imgix_rendition``) keeps one
    session for the process: the copy is deleted after the request's last rendition only."""
    from imgworker.asset_compute import worker
    from imgworker.asset_compute.config import ActivationContext
    from imgworker.worker.job import _Collector, local_config

    staging = tmp_path / "staging"
    session = ImgixSession(WorkerConfig(staging_store=str(staging), staging_retention_days=0))
    monkeypatch.setattr(action, "shared_session", lambda: session)
    seen: list[list[str]] = []
    real = session.finish_job
    monkeypatch.setattr(session, "finish_job", lambda: seen.append(_staged(staging)) or real())
    collector = _Collector(None)
    work = tmp_path / "work"
    try:
        worker(action.imgix_rendition).run_sync(_request(tmp_path / "out", 3), config=local_config(work),
                                                context=ActivationContext.from_env({}), sender=collector)  # fmt: skip
    finally:
        session.close()
    assert [e["type"] for e in collector.events] == ["rendition_created"] * 3
    assert len(seen) == 2 and len(seen[0]) == 1 and seen[1] == []  # after the 3rd rendition, then at close
    assert _staged(staging) == []
