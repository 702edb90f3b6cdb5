"""Stopping ``imgworker batch`` on the local pool: SIGTERM, Ctrl-C (SIGINT to the process group),
SIGINT to the submitter alone, SIGKILL. The pool processes must stop with the submitter, and the
results file must stay a ledger ``--resume`` can trust: whole jobs only, no torn line, and a resumed
run makes exactly what is missing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import read_jsonl, write_manifest

IMGWORKER = [sys.executable, "-m", "imgworker.cli"]
PER_PROFILE = {"web": 3, "thumbs": 2}


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pids: list[int]) -> list[int]:
    """The ``pids`` still running (a zombie, dead but not reaped, is not running)."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(pids)


def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.fixture
def reaper() -> Iterator[list[int]]:
    """Pids to SIGKILL after the test if still alive: a failing test must not leave processes behind."""
    pids: list[int] = []
    yield pids
    for pid in alive(pids):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGIX_", "IMGWORKER_"))}
    env["IMGWORKER_STAGING_STORE"] = str(tmp_path / "staging")
    return env


def start(manifest: Path, profiles: Path, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    args = ["batch", str(manifest), "--profiles", str(profiles), "--out-dir", str(out), "--workers", "2"]
    return subprocess.Popen(
        [*IMGWORKER, *args, "--no-progress"],
        env=env,
        cwd=manifest.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a "Ctrl-C" below reaches it and its pool only
    )


def interrupt_mid_batch(
    proc: subprocess.Popen[str], results: Path, sig: signal.Signals, group: bool, reaper: list[int]
) -> tuple[list[int], int, str]:
    """Wait for the first finished job, signal, return (the pool's processes, exit code, stderr)."""
    deadline = time.monotonic() + 120
    while line_count(results) == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no job finished in 120 s"
        time.sleep(0.02)
    pool = children(proc.pid)
    reaper.extend(pool)
    assert len(pool) >= 2, "two pool processes (and multiprocessing's resource tracker) are running"
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return pool, proc.returncode, err


def check_ledger(results: Path, rows: int) -> list[dict[str, object]]:
    """Every line is a whole record; every job has a record for each of its renditions."""
    text = results.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "no torn last line"
    records = read_jsonl(results)
    per_job = Counter(str(r["job"]) for r in records)
    profile = {str(r["job"]): str(r["profile"]) for r in records}
    assert all(count == PER_PROFILE[profile[job]] for job, count in per_job.items()), per_job
    assert len(per_job) <= rows
    return records


@pytest.mark.parametrize(
    ("sig", "group", "code"),
    [
        (signal.SIGTERM, False, 143),  # kill, systemd, docker stop
        (signal.SIGINT, True, 130),  # Ctrl-C in a terminal: the whole foreground process group
        (signal.SIGINT, False, 130),  # kill -INT <submitter>
    ],
    ids=["sigterm", "ctrl-c-group", "sigint-submitter"],
)
def test_an_interrupt_stops_the_pool_and_resume_makes_the_rest(
    photos: list[Path],
    profiles_file: Path,
    tmp_path: Path,
    env: dict[str, str],
    reaper: list[int],
    sig: signal.Signals,
    group: bool,
    code: int,
) -> None:
    rows = [(str(p), pr) for p in photos[:16] for pr in ("web", "thumbs")]
    manifest = write_manifest(tmp_path / "m.csv", rows)
    results, out = manifest.with_suffix(".results.jsonl"), tmp_path / "out"
    proc = start(manifest, profiles_file, out, env)
    pool, returncode, err = interrupt_mid_batch(proc, results, sig, group, reaper)

    assert returncode == code, err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err, err
    assert wait_gone(pool, 10) == [], "the pool's processes stop with the submitter"
    first = check_ledger(results, len(rows))
    assert 0 < len({r["job"] for r in first}) < len(rows), "interrupted mid-batch"
    assert not [p for p in out.rglob(".part-*")], "no temporary file is left next to a target"
    assert len(read_jsonl(manifest.with_suffix(".events.jsonl"))) == len(first), "one event per record"

    args = ["batch", str(manifest), "--profiles", str(profiles_file), "--out-dir", str(out), "--workers", "2"]
    resumed = subprocess.run(
        [*IMGWORKER, *args, "--no-progress", "--resume"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    records = check_ledger(results, len(rows))
    assert len({r["job"] for r in records}) == len(rows), "every job has its records after --resume"
    assert len(records) == 16 * 5, "jobs recorded before the interrupt were skipped, not made again"
    assert len(list(p for p in out.rglob("*") if p.is_file())) == 16 * 5


def test_the_pool_stops_when_the_submitter_is_killed(
    photos: list[Path], profiles_file: Path, tmp_path: Path, env: dict[str, str], reaper: list[int]
) -> None:
    manifest = write_manifest(tmp_path / "m.csv", [(str(p), "web") for p in photos[:16]])
    proc = start(manifest, profiles_file, tmp_path / "out", env)
    results = manifest.with_suffix(".results.jsonl")
    pool, returncode, _ = interrupt_mid_batch(proc, results, signal.SIGKILL, False, reaper)
    assert returncode == -signal.SIGKILL
    # nothing can be caught on SIGKILL: each pool process notices that its parent is gone
    # (checked every 0.5 s) and stops; the resource tracker follows when its last user is gone
    assert wait_gone(pool, 15) == []


def test_a_signal_during_a_deferred_block_is_raised_when_it_ends() -> None:
    from imgworker.batch.interrupts import Interrupted, deferred, stop_signals

    written: list[str] = []
    with stop_signals(), pytest.raises(Interrupted) as caught:
        with deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # the handler has run: the signal is held
            written.append("all of the job's records")
        written.append("never")
    assert written == ["all of the job's records"]
    assert caught.value.signum == signal.SIGTERM and caught.value.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the previous handler is back"
