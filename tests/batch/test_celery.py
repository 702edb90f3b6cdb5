"""End to end on Celery + Redis: 2 worker processes, 200 renditions, SIGKILL, retries.

Needs redis-server (``make test-deps``). Two ``celery -A imgworker.batch.tasks worker -c 1
--pool prefork`` subprocesses run for the whole module against the session's redis-server.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from rich.console import Console

from imgworker.batch.config import BatchConfig
from imgworker.batch.jobs import Job, RenditionJob
from imgworker.batch.progress import BatchProgress, Summary
from imgworker.batch.results import JsonLinesWriter
from imgworker.batch.runner import Collector
from imgworker.batch.submit import run_celery
from imgworker.batch.tasks import configure
from imgworker.cli import main as cli
from plugins.redis_service import RedisService

from .conftest import CORRUPT, RENDITIONS_PER_SOURCE, FlakyTarget, read_jsonl, sha256, write_manifest

pytestmark = pytest.mark.redis

CELERY = Path(sys.executable).with_name("celery")
IMGWORKER = Path(sys.executable).with_name("imgworker")
WORKER_ENV = {
    "IMGWORKER_RETRY_BACKOFF": "0.2",  # 0.2 s, 0.4 s ...: keeps the retry test short
    "IMGWORKER_RETRY_BACKOFF_MAX": "1",
    "IMGWORKER_TASK_TIME_LIMIT": "20",
    "IMGWORKER_VISIBILITY_TIMEOUT": "6",  # a dead node's job returns after 6 s (+ one 5 s sweep)
}


class Workers:
    """Two Celery worker nodes (``w1``, ``w2``), each one prefork pool process, as subprocesses."""

    def __init__(self, redis_server: RedisService, workdir: Path) -> None:
        self.url = redis_server.url(1)
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.app = configure(Celery("imgworker-test"), BatchConfig().with_broker(self.url))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGWORKER_", "IMGIX_"))}
        env.update(WORKER_ENV, IMGWORKER_BROKER_URL=self.url, IMGWORKER_STAGING_STORE=str(self.workdir / "staging"))
        return env

    def start(self, name: str) -> None:
        """``w1`` runs the documented ``celery -A imgworker.batch.tasks worker`` line, ``w2`` the
        ``imgworker celery-worker`` command: both must behave the same."""
        if name == "w1":
            args = [
                str(CELERY),
                "-A",
                "imgworker.batch.tasks",
                "worker",
                "-c",
                "1",
                "--pool",
                "prefork",
                "-n",
                f"{name}@%h",
                "-l",
                "warning",
                "-Q",
                "imgworker",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        else:
            args = [str(IMGWORKER), "celery-worker", "--broker", self.url, "-c", "1", "-n", f"{name}@%h"]
        with (self.workdir / f"{name}.log").open("ab") as log:  # the child keeps its own descriptor
            self.procs[name] = subprocess.Popen(
                args, cwd=self.workdir, env=self.env(), stdout=log, stderr=log, start_new_session=True
            )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        wanted = {n for n, p in self.procs.items() if p.poll() is None}
        while time.monotonic() < deadline:
            replies = self.app.control.ping(timeout=0.5) or []
            names = {host.split("@", 1)[0] for reply in replies for host in reply}
            if wanted <= names:
                return
        pytest.fail(f"celery workers not ready in {timeout:.0f} s; logs:\n{self.logs()}")

    def pool_child(self, name: str) -> int:
        """The pid of node ``name``'s pool process (the one that runs the jobs)."""
        pid = self.procs[name].pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert len(children) == 1, f"expected one pool process under {name}, found {children}"
        return int(children[0])

    def kill_node(self, name: str) -> None:
        """SIGKILL the node's main process and its pool process at once (a machine that dies)."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.workdir.glob("*.log"))

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.app.close()


@pytest.fixture(scope="module")
def workers(redis_server: RedisService, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    nodes = Workers(redis_server, tmp_path_factory.mktemp("celery"))
    nodes.start("w1")
    nodes.start("w2")
    try:
        nodes.wait_ready()
        yield nodes
    finally:
        nodes.stop()


def run_batch(workers: Workers, manifest: Path, profiles: Path, out: Path, *extra: str) -> int:
    return cli(
        [
            "batch",
            str(manifest),
            "--profiles",
            str(profiles),
            "--out-dir",
            str(out),
            "--broker",
            workers.url,
            "--no-progress",
            "--max-in-flight",
            "8",
            *extra,
        ]
    )


def check_exactly_once(manifest: Path, out: Path, expected: int) -> list[dict[str, Any]]:
    """Every rendition made once: records, events, files and checksums agree. Returns the records."""
    records = read_jsonl(manifest.with_suffix(".results.jsonl"))
    created = [r for r in records if r["status"] == "created"]
    keys = Counter((r["job"], r["rendition"]) for r in created)
    assert len(created) == expected and set(keys.values()) == {1}, "one created record per rendition"
    events = [e for e in read_jsonl(manifest.with_suffix(".events.jsonl")) if e["type"] == "rendition_created"]
    assert len(events) == expected, "one rendition_created event per rendition"
    assert len({e["renditionId"] for e in events}) == expected
    assert {e["renditionId"] for e in events} == {r["rendition_id"] for r in created}
    files = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert len(files) == expected, "one target file per rendition, nothing else"
    by_target = {r["target"]: r for r in created}
    for path in files:
        record = by_target[str(path)]
        assert sha256(path) == record["sha256"] and path.stat().st_size == record["bytes"]
    return records


def test_200_renditions_on_two_workers_exactly_once(
    workers: Workers, photos: list[Path], profiles_file: Path, tmp_path: Path
) -> None:
    rows = [(str(p), profile) for p in photos for profile in ("web", "thumbs")] + [(str(CORRUPT), "web")]
    manifest = write_manifest(tmp_path / "batch.csv", rows)
    out = tmp_path / "out"
    start = time.perf_counter()
    assert run_batch(workers, manifest, profiles_file, out) == 1  # the corrupt source failed
    elapsed = time.perf_counter() - start

    records = check_exactly_once(manifest, out, 40 * RENDITIONS_PER_SOURCE)
    assert len({r["worker"] for r in records if r["status"] == "created"}) == 2, "both workers took jobs"
    failed = [r for r in records if r["status"] == "failed"]
    assert [r["reason"] for r in failed] == ["SourceCorrupt"] * 3
    assert all(r["attempts"] == 1 and not r["redelivered"] for r in failed), "a corrupt source is not retried"
    events = read_jsonl(manifest.with_suffix(".events.jsonl"))
    assert sum(e["type"] == "rendition_failed" for e in events) == 3
    print(f"200 renditions on 2 celery workers in {elapsed:.1f} s")

    # submitted again: nothing is made twice, no event is sent again
    assert run_batch(workers, manifest, profiles_file, out) == 1
    again = read_jsonl(manifest.with_suffix(".results.jsonl"))
    assert sum(r["status"] == "created" and r["replayed"] for r in again) == 200
    assert not any(e["type"] == "rendition_created" for e in read_jsonl(manifest.with_suffix(".events.jsonl")))

    # --resume: only the failed job runs again
    assert run_batch(workers, manifest, profiles_file, out, "--resume") == 1
    resumed = read_jsonl(manifest.with_suffix(".results.jsonl"))
    assert len(resumed) == len(again) + 3


def _busy(pid: int) -> bool:
    """True when a thread of ``pid`` is running (an idle pool process has every thread asleep)."""
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "R":
                return True
        except OSError:
            continue
    return False


def _lines(path: Path) -> int:
    """Complete lines written so far (the file is being appended to by another thread)."""
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_sigkill_of_a_worker_process_mid_batch_loses_nothing(
    workers: Workers, photos: list[Path], profiles_file: Path, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path / "kill.csv", [(str(p), pr) for p in photos for pr in ("web", "thumbs")])
    out = tmp_path / "out"
    results = manifest.with_suffix(".results.jsonl")
    outcome: dict[str, int] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("rc", run_batch(workers, manifest, profiles_file, out)))
    thread.start()
    killed = 0
    deadline = time.monotonic() + 60
    while thread.is_alive() and time.monotonic() < deadline:
        if _lines(results) >= 40:
            child = workers.pool_child("w1")
            if _busy(child):  # in the middle of a job right now
                os.kill(child, signal.SIGKILL)
                killed = child
                break
        time.sleep(0.005)
    thread.join(timeout=120)
    assert killed, "the pool process was never seen busy"
    assert outcome.get("rc") == 0, workers.logs()
    records = check_exactly_once(manifest, out, 200)
    redelivered = [r for r in records if r["redelivered"]]
    assert redelivered, "the killed job came back to the queue"
    print(f"killed pid {killed}; redelivered: {[(r['rendition'], r['replayed']) for r in redelivered]}")
    assert not any(f"{killed}" == r["worker"].rsplit(":", 1)[1] for r in records if r["redelivered"])


def test_a_dead_worker_node_is_replaced_after_the_visibility_timeout(
    workers: Workers, photos: list[Path], profiles_file: Path, tmp_path: Path
) -> None:
    """The whole node (main process and pool) dies: Redis hands its job to the other node."""
    manifest = write_manifest(tmp_path / "node.csv", [(str(p), "web") for p in photos[:16]])
    out = tmp_path / "out"
    results = manifest.with_suffix(".results.jsonl")
    outcome: dict[str, int] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("rc", run_batch(workers, manifest, profiles_file, out)))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not (_lines(results) >= 6 and _busy(workers.pool_child("w2"))) and time.monotonic() < deadline:
            time.sleep(0.002)
        workers.kill_node("w2")  # while its pool process is in the middle of a job
        thread.join(timeout=60)
        assert outcome.get("rc") == 0, workers.logs()
        records = check_exactly_once(manifest, out, 16 * 3)
        assert any(r["redelivered"] for r in records), "the dead node's reserved job came back"
    finally:
        thread.join(timeout=60)
        workers.start("w2")
        workers.wait_ready()


def test_flaky_target_succeeds_after_retries_and_403_is_not_retried(
    workers: Workers, photos: list[Path], tmp_path: Path, flaky_target: FlakyTarget
) -> None:
    profiles = tmp_path / "profiles.json"
    profiles.write_text(
        '{"flaky": {"target": "' + flaky_target.base_url + '/flaky/{stem}/{name}?sig=x",'
        ' "renditions": [{"name": "r.jpg", "imgix": {"w": 40}}]},'
        ' "denied": {"target": "' + flaky_target.base_url + '/denied/{stem}/{name}",'
        ' "renditions": [{"name": "r.jpg", "imgix": {"w": 40}}]}}'
    )
    manifest = write_manifest(tmp_path / "flaky.csv", [(str(photos[0]), "flaky"), (str(photos[1]), "denied")])
    assert run_batch(workers, manifest, profiles, tmp_path / "out") == 1
    records = {r["profile"]: r for r in read_jsonl(manifest.with_suffix(".results.jsonl"))}

    ok = records["flaky"]
    path = f"/flaky/{photos[0].stem}/r.jpg"
    assert ok["status"] == "created" and ok["attempts"] == 3
    assert flaky_target.puts[path] == [503, 503, 201]
    assert hashlib.sha256(flaky_target.bodies[path]).hexdigest() == ok["sha256"]
    assert "sig=" not in ok["target"], "presigned query strings are not recorded"

    denied = records["denied"]
    assert denied["status"] == "failed" and denied["attempts"] == 1
    assert flaky_target.puts[f"/denied/{photos[1].stem}/r.jpg"] == [403]
    events = read_jsonl(manifest.with_suffix(".events.jsonl"))
    assert sorted(e["type"] for e in events) == ["rendition_created", "rendition_failed"]


def test_a_lost_message_is_sent_again_then_failed(
    redis_server: RedisService, photos: list[Path], tmp_path: Path
) -> None:
    """kombu's Redis transport can lose a message popped by a node that dies at once: the
    submitter re-sends a job whose state did not move for ``lost_after`` seconds."""
    config = BatchConfig(queue="imgworker-lost").with_broker(redis_server.url(3))  # no worker listens here
    app = configure(Celery("imgworker-lost"), config)
    client = redis_server.client(3)
    popped: list[bytes] = []
    stop = threading.Event()

    def broker_that_loses_messages() -> None:
        while not stop.is_set():
            item = client.brpop(["imgworker-lost"], timeout=0.1)
            if item:
                popped.append(item[1])

    thief = threading.Thread(target=broker_that_loses_messages)
    thief.start()
    job = Job.create(str(photos[0]), "p", (RenditionJob("a.jpg", (("w", "10"),), None, str(tmp_path / "a.jpg")),))
    sink = Collector(
        JsonLinesWriter(tmp_path / "r.jsonl", append=False),
        JsonLinesWriter(tmp_path / "e.jsonl", append=False),
        BatchProgress(1, console=Console(stderr=True), enabled=False),
        Summary(),
    )
    try:
        run_celery(
            [job], sink, app=app, config=config, batch="lost", scope="s", max_in_flight=1, lost_after=0.3, max_resends=2
        )
    finally:
        stop.set()
        thief.join()
        sink.results.close()
        sink.events.close()
        app.close()
    assert len(popped) == 3, "sent once, then re-sent twice"
    (record,) = read_jsonl(tmp_path / "r.jsonl")
    assert record["status"] == "failed" and "lost 3 times" in record["message"]
