"""The results file: JSON lines, torn last line, which jobs --resume skips."""

from __future__ import annotations

import json
from pathlib import Path

from imgworker.batch.progress import Summary
from imgworker.batch.results import JsonLinesWriter, done_jobs, read_records


def rec(job: str, name: str, status: str, **extra: object) -> dict[str, object]:
    return {"job": job, "rendition": name, "status": status, **extra}


def test_writer_truncates_or_appends(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "r.jsonl"
    with JsonLinesWriter(path, append=False) as w:
        w.write([rec("j1", "a", "created")])
    with JsonLinesWriter(path, append=True) as w:
        w.write([rec("j1", "b", "created"), rec("j2", "a", "failed")])
        w.write([])
    assert [r["rendition"] for r in read_records(path)] == ["a", "b", "a"]
    with JsonLinesWriter(path, append=False) as w:
        w.write([rec("j3", "a", "created")])
    assert [r["job"] for r in read_records(path)] == ["j3"]


def test_done_jobs_uses_the_latest_record_per_rendition(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [
        rec("j1", "a", "created"),
        rec("j1", "b", "created"),
        rec("j2", "a", "failed"),
        rec("j2", "b", "created"),
        rec("j3", "a", "failed"),
        rec("j3", "a", "created"),
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"job": "j4", "rendi', encoding="utf-8")
    assert done_jobs(path) == {"j1", "j3"}
    assert done_jobs(tmp_path / "missing.jsonl") == set()


def test_summary_counts_per_profile() -> None:
    summary = Summary()
    summary.add("web", [rec("j", "a", "created", render_ms=10.0), rec("j", "b", "created", replayed=True)])
    summary.add("web", [rec("k", "a", "failed", reason="SourceCorrupt")])
    assert (summary.created, summary.failed) == (2, 1)
    web = summary.profiles["web"]
    assert (web.jobs, web.replayed, dict(web.reasons)) == (2, 1, {"SourceCorrupt": 1})
    assert summary.table("t").row_count == 2


def test_appending_after_a_torn_last_line_keeps_records_apart(tmp_path: Path) -> None:
    from imgworker.batch.results import JsonLinesWriter, read_records

    path = tmp_path / "results.jsonl"
    path.write_text('{"job":"a","rendition":"x","status":"created"}\n{"job":"b","rend')  # crash mid-line
    with JsonLinesWriter(path, append=True) as writer:
        writer.write([{"job": "c", "rendition": "y", "status": "created"}])
    assert [r["job"] for r in read_records(path)] == ["a", "c"]
