"""process_job in this process (embedded renderer in a thread, in-memory ledger): replay, the
window between target and marker, transient vs permanent failures, abort."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imgworker.batch.jobs import Job, RenditionJob
from imgworker.batch.ledger import Event, MemoryLedger, Record
from imgworker.batch.work import Attempt, RenderContext, process_job
from imgworker.worker.config import WorkerConfig

from .conftest import CORRUPT, FlakyTarget


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenderContext]:
    context = RenderContext.open(WorkerConfig(staging_store=str(tmp_path_factory.mktemp("staging"))))
    yield context
    context.close()


def make_job(source: Path | str, targets: dict[str, str], profile: str = "p") -> Job:
    renditions = tuple(RenditionJob(name, (("w", "40"),), None, target) for name, target in targets.items())
    return Job.create(str(source), profile, renditions)


def test_a_second_run_replays_without_writing_or_events(ctx: RenderContext, photos: list[Path], tmp_path: Path) -> None:
    job = make_job(photos[0], {"a.jpg": str(tmp_path / "a.jpg"), "b.jpg": str(tmp_path / "b.jpg")})
    ledger = MemoryLedger()
    first = process_job(job, ctx, ledger)
    assert [r["status"] for r in first.records] == ["created", "created"]
    assert len(first.events) == 2 and not first.retry
    mtime = (tmp_path / "a.jpg").stat().st_mtime_ns
    second = process_job(job, ctx, ledger)
    assert [r["replayed"] for r in second.records] == [True, True] and second.events == []
    assert (tmp_path / "a.jpg").stat().st_mtime_ns == mtime, "a made rendition is not written again"
    assert hashlib.sha256((tmp_path / "a.jpg").read_bytes()).hexdigest() == first.records[0]["sha256"]


class DiesBeforeMarker(MemoryLedger):
    """A ledger whose first commit 'kills the worker': the target is written, the marker is not."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = True

    def commit(self, rid: str, record: Record, event: Event) -> bool:
        if self.armed:
            self.armed = False
            raise SystemExit("killed between the target and the marker")
        return super().commit(rid, record, event)


def test_death_between_target_and_marker_rewrites_identical_bytes_and_sends_one_event(
    ctx: RenderContext, photos: list[Path], tmp_path: Path
) -> None:
    target = tmp_path / "a.jpg"
    job = make_job(photos[1], {"a.jpg": str(target)})
    ledger = DiesBeforeMarker()
    with pytest.raises(SystemExit):
        process_job(job, ctx, ledger)
    written = target.read_bytes()
    again = process_job(job, ctx, ledger)  # the re-delivery
    assert target.read_bytes() == written, "the re-delivery wrote the same bytes (deterministic render)"
    assert [e["type"] for e in ledger.events] == ["rendition_created"]
    assert again.records[0]["status"] == "created" and not again.records[0]["replayed"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg"], "no temporary file is left"


def test_transient_failure_asks_for_a_retry_then_gives_up(
    ctx: RenderContext, photos: list[Path], flaky_target: FlakyTarget, tmp_path: Path
) -> None:
    url = f"{flaky_target.base_url}/flaky/x.jpg"
    job = make_job(photos[2], {"ok.jpg": str(tmp_path / "ok.jpg"), "x.jpg": url})
    ledger = MemoryLedger()
    first = process_job(job, ctx, ledger, Attempt(1, final=False))
    assert first.retry and "503" in first.retry_message
    assert [r["rendition"] for r in first.records] == ["ok.jpg"], "the transient one has no record yet"
    second = process_job(job, ctx, ledger, Attempt(2, final=True))
    assert second.records[0]["replayed"] and second.records[1]["status"] == "failed"
    assert second.records[1]["reason"] == "GenericError" and "gave up after 2 attempts" in second.records[1]["message"]
    assert flaky_target.puts["/flaky/x.jpg"] == [503, 503]


def test_corrupt_source_fails_every_rendition_once_without_retry(ctx: RenderContext, tmp_path: Path) -> None:
    job = make_job(CORRUPT, {"a.jpg": str(tmp_path / "a.jpg"), "b.jpg": str(tmp_path / "b.jpg")})
    ledger = MemoryLedger()
    outcome = process_job(job, ctx, ledger, Attempt(1, final=False))
    assert not outcome.retry
    assert [r["reason"] for r in outcome.records] == ["SourceCorrupt", "SourceCorrupt"]
    again = process_job(job, ctx, ledger, Attempt(1, final=False))  # a re-delivery in the same scope
    assert len(again.records) == 2 and again.events == [], "a failure is reported once per scope"
    assert not list(tmp_path.iterdir()), "nothing is written for a failed rendition"


@pytest.mark.parametrize(
    ("source", "reason"),
    [("missing.jpg", "SourceUnsupported"), ("http://127.0.0.1:9/none.jpg", "GenericError")],
)
def test_unreadable_sources(ctx: RenderContext, tmp_path: Path, source: str, reason: str) -> None:
    job = make_job(tmp_path / source if "://" not in source else source, {"a.jpg": str(tmp_path / "a.jpg")})
    outcome = process_job(job, ctx, MemoryLedger(), Attempt(1, final=True))
    assert outcome.records[0]["reason"] == reason


def test_abort_fails_what_is_not_made(ctx: RenderContext, photos: list[Path], tmp_path: Path) -> None:
    job = make_job(photos[3], {"a.jpg": str(tmp_path / "a.jpg")})
    outcome = process_job(job, ctx, MemoryLedger(), Attempt(abort="the job's worker died 4 times"))
    record: dict[str, Any] = outcome.records[0]
    assert record["status"] == "failed" and record["message"] == "the job's worker died 4 times"
