"""Benchmark: the same batch on the local process pool and on Celery + Redis with 1 and 2 workers.

    python -m benchmarks.batch_throughput [--sources 40] [--runs 3] [--size 200x150]

The batch is the one of ``tests/batch/test_celery.py``: ``--sources`` distinct JPEG crops (``--size``)
of two real photos (``tests/fixtures``), each with the profiles ``web`` (3 renditions) and
``thumbs`` (2), so 40 sources make 80 jobs and 200 renditions. Every run writes to a fresh output
folder, so every rendition is really made (no done marker applies).

Modes, each timed from the first submission to the last record; the modes take turns in every
run so that load from other work on the machine hits them alike; the table shows the best and the
median of ``--runs``:

- ``serial``: :func:`~imgworker.batch.work.process_job` in this process, one job after the other
  (the pure cost of the work, the baseline for overheads);
- ``local-1`` / ``local-2``: ``imgworker batch`` without a broker, a spawned pool of 1 or 2
  processes (warmed up before timing);
- ``celery-1`` / ``celery-2``: ``celery worker -c 1 --pool prefork`` nodes against a
  ``redis-server`` this script starts on 127.0.0.1 (ready before timing): node ``b0`` consumes
  queues ``one`` and ``two``, node ``b1`` only ``two``, so a batch sent to ``one`` has 1 worker
  process and a batch sent to ``two`` has 2.

Per-task overhead of Celery against the local pool at the same parallelism ``c`` is
``(wall_celery_c - wall_local_c) * c / jobs``; of the pool against serial, ``(wall_local_1 -
wall_serial) / jobs``. Results go to stdout as a table; ``docs/batch.md`` quotes one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

import pyvips
import redis
from celery import Celery
from rich.console import Console

from imgworker.batch.config import BatchConfig
from imgworker.batch.jobs import Job
from imgworker.batch.ledger import MemoryLedger
from imgworker.batch.manifest import iter_jobs
from imgworker.batch.profiles import load_profiles
from imgworker.batch.progress import BatchProgress, Summary
from imgworker.batch.results import JsonLinesWriter
from imgworker.batch.runner import Collector, local_pool, run_local
from imgworker.batch.submit import run_celery
from imgworker.batch.tasks import configure
from imgworker.batch.work import RenderContext, process_job
from imgworker.worker.config import WorkerConfig

REPO = Path(__file__).resolve().parents[1]
PHOTOS = (REPO / "tests" / "fixtures" / "rocket.jpg", REPO / "tests" / "fixtures" / "orientation" / "Landscape_0.jpg")
PROFILES = """
[profiles.web]
target = "{profile}/{stem}/{name}"
renditions = [
  { name = "small.jpg", imgix = { w = 96, fit = "max" }, fmt = "jpg" },
  { name = "small.webp", imgix = "w=80&q=60", fmt = "webp" },
  { name = "square.jpg", imgix = { w = 64, h = 64, fit = "crop", crop = "entropy" } },
]
[profiles.thumbs]
target = "{profile}/{stem}/{name}"
renditions = [
  { name = "t48.jpg", imgix = { w = 48, h = 48, fit = "crop" } },
  { name = "t32.png", imgix = { w = 32 }, fmt = "png" },
]
"""


def make_batch(folder: Path, sources: int, size: tuple[int, int]) -> Path:
    """Crops of the fixture photos and a CSV manifest (every source x both profiles)."""
    width, height = size
    paths: list[Path] = []
    for i in range(sources):
        image = pyvips.Image.new_from_file(str(PHOTOS[i % len(PHOTOS)]))
        w, h = min(width, image.width), min(height, image.height)
        left, top = (i * 37) % max(1, image.width - w), (i * 23) % max(1, image.height - h)
        path = folder / f"src-{i:03d}.jpg"
        image.crop(left, top, w, h).write_to_file(str(path), Q=85)
        paths.append(path)
    (folder / "profiles.toml").write_text(PROFILES, encoding="utf-8")
    manifest = folder / "batch.csv"
    manifest.write_text("source,profile\n" + "".join(f"{p},{pr}\n" for p in paths for pr in ("web", "thumbs")))
    return manifest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    port = free_port()
    args = [
        "redis-server",
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(folder),
        "--logfile",
        str(folder / "redis.log"),
    ]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    try:
        for _ in range(500):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def celery_nodes(url: str, folder: Path) -> Iterator[None]:
    """Node ``b0`` consumes queues ``one`` and ``two``, node ``b1`` only ``two``: a batch sent to
    ``one`` runs on 1 worker process, a batch sent to ``two`` on 2, with no restart in between."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGWORKER_", "IMGIX_"))}
    env.update(IMGWORKER_BROKER_URL=url, IMGWORKER_STAGING_STORE=str(folder / "staging"))
    celery = str(Path(sys.executable).with_name("celery"))
    procs = []
    for i, queues in enumerate(("one,two", "two")):
        args = [
            celery,
            "-A",
            "imgworker.batch.tasks",
            "worker",
            "-c",
            "1",
            "--pool",
            "prefork",
            "-n",
            f"b{i}@%h",
            "-l",
            "error",
            "-Q",
            queues,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with (folder / f"b{i}.log").open("ab") as log:
            procs.append(subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=log, start_new_session=True))
    app = configure(Celery("bench"), BatchConfig().with_broker(url))
    try:
        while len(app.control.ping(timeout=0.5) or []) < len(procs):
            pass
        yield
    finally:
        app.close()
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)


def jobs_for(manifest: Path, out: Path) -> list[Job]:
    return list(iter_jobs(manifest, load_profiles(manifest.with_name("profiles.toml")), str(out)))


def collector(folder: Path) -> Collector:
    summary = Summary()
    progress = BatchProgress(0, console=Console(stderr=True), enabled=False)
    return Collector(
        JsonLinesWriter(folder / "r.jsonl", append=False),
        JsonLinesWriter(folder / "e.jsonl", append=False),
        progress,
        summary,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="200x150", help="source crop size WxH (default 200x150)")
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        print("redis-server is not installed: run `make test-deps`", file=sys.stderr)
        return 2
    width, _, height = args.size.partition("x")
    root = Path(tempfile.mkdtemp(prefix="imgworker-bench-"))
    os.environ["IMGWORKER_STAGING_STORE"] = str(root / "staging")  # spawned pool processes inherit it
    manifest = make_batch(root, args.sources, (int(width), int(height)))
    config = BatchConfig.from_env()
    jobs = len(jobs_for(manifest, root))
    renditions = 5 * args.sources
    walls: dict[str, list[float]] = {}
    with ExitStack() as stack:
        ctx = RenderContext.open(WorkerConfig(staging_store=str(root / "staging")))
        stack.callback(ctx.close)
        pools = {n: stack.enter_context(local_pool(n)) for n in (1, 2)}
        for n, pool in pools.items():  # warm up: every process opens its renderer
            run_local(jobs_for(manifest, root / "warm")[:n], collector(root), config=config, pool=pool, max_in_flight=n)
        url = stack.enter_context(redis_server(root))
        stack.enter_context(celery_nodes(url, root))
        remote_config = config.with_broker(url)
        app = configure(Celery("bench-submit"), remote_config)
        stack.callback(app.close)

        def serial(work: Path, sink: Collector) -> None:
            for job in jobs_for(manifest, work / "out"):
                sink.job_done(job, process_job(job, ctx, MemoryLedger()).records)

        def local(n: int) -> Callable[[Path, Collector], None]:
            def run(work: Path, sink: Collector) -> None:
                run_local(jobs_for(manifest, work / "out"), sink, config=config, pool=pools[n], max_in_flight=4 * n)

            return run

        def remote(n: int) -> Callable[[Path, Collector], None]:
            queue = {1: "one", 2: "two"}[n]

            def run(work: Path, sink: Collector) -> None:
                cfg = replace(remote_config, queue=queue)
                run_celery(
                    jobs_for(manifest, work / "out"),
                    sink,
                    app=app,
                    config=cfg,
                    batch=work.name,
                    scope=work.name,
                    max_in_flight=16,
                )

            return run

        modes = {
            "serial": serial,
            "local-1": local(1),
            "local-2": local(2),
            "celery-1": remote(1),
            "celery-2": remote(2),
        }
        for i in range(args.runs):  # modes interleaved, so load drift hits them alike
            for mode, run in modes.items():
                work = root / f"{mode}-{i}"
                work.mkdir()
                sink = collector(work)
                start = time.perf_counter()
                run(work, sink)
                walls.setdefault(mode, []).append(time.perf_counter() - start)
                assert sink.summary.failed == 0 and sink.summary.created == renditions, mode
    print(
        f"batch: {args.sources} sources ({args.size}) x 2 profiles = {jobs} jobs, {renditions} renditions; "
        f"best and median of {args.runs} interleaved runs; {os.cpu_count()} cores"
    )
    print(f"{'mode':10} {'best s':>7} {'median s':>9} {'renditions/s':>13} {'ms/job':>7}  overhead per job (best)")
    best = {mode: min(w) for mode, w in walls.items()}
    for mode, wall in best.items():
        note = ""
        if mode.startswith("celery"):
            c = int(mode[-1])
            note = f"{(wall - best[f'local-{c}']) * c / jobs * 1000:+.1f} ms vs local-{c}"
        elif mode == "local-1":
            note = f"{(wall - best['serial']) / jobs * 1000:+.1f} ms vs serial"
        median = statistics.median(walls[mode])
        print(f"{mode:10} {wall:7.2f} {median:9.2f} {renditions / wall:13.1f} {wall / jobs * 1000:7.1f}  {note}")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
