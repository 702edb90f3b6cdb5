"""``imgworker batch``: make the renditions of a whole manifest, locally or on Celery workers.

    imgworker batch MANIFEST [--profiles FILE] [--profile NAME] [--out-dir DIR]
                    [--broker redis://HOST:6379/0] [--workers N] [--max-in-flight N]
                    [--results FILE] [--events FILE] [--resume] [--check] [--no-progress]

MANIFEST is CSV (``source,profile[,target]``) or JSON lines (``{"source", "profile", "target"?}``);
profiles come from ``--profiles`` (JSON or TOML; default ``profiles.toml``/``profiles.json`` next to
the manifest) or inline in JSON lines. See ``docs/batch.md``.

Without ``--broker`` the jobs run on a local process pool (``--workers``, default one per core).
With ``--broker`` each (source, profile) becomes one Celery task for the workers started with
``imgworker celery-worker`` against the same Redis. At most ``--max-in-flight`` jobs are pending at
any time. One record per rendition goes to the results file (default ``<manifest>.results.jsonl``),
events to ``<manifest>.events.jsonl``; ``--resume`` appends and skips jobs already fully made.

Exit code: 0 when every rendition was made, 1 when any failed, 2 for a bad manifest or profile,
130 after SIGINT (Ctrl-C) and 143 after SIGTERM. An interrupt stops the local pool's processes (a
running job is abandoned), keeps the records of the jobs that finished, and closes both files:
``--resume`` then runs only what is missing. With ``--broker`` the workers keep the jobs already
sent.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from imgworker.batch.config import BatchConfig
from imgworker.batch.interrupts import Interrupted, stop_signals
from imgworker.batch.jobs import Job
from imgworker.batch.manifest import ManifestError, ManifestPlan, iter_jobs, scan
from imgworker.batch.profiles import Profile, ProfileError, load_profiles
from imgworker.batch.progress import BatchProgress, Summary
from imgworker.batch.results import JsonLinesWriter, done_jobs
from imgworker.batch.runner import Collector, local_pool, run_local, stop_pool


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"Expected an integer >= 1 but received {text!r}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "batch",
        help="make the renditions of a manifest (local pool or Celery workers)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("manifest", help="CSV or JSON-lines manifest of sources and profiles")
    p.add_argument("--profiles", metavar="FILE", help="profiles file (.json or .toml)")
    p.add_argument("--profile", metavar="NAME", help="profile for rows that name none")
    p.add_argument("--out-dir", metavar="DIR", default=".", help="base of relative targets (default: .)")
    p.add_argument("--broker", metavar="URL", help="Redis URL of the Celery broker; without it: local pool")
    p.add_argument(
        "--workers", type=_positive, metavar="N", default=os.cpu_count() or 1, help="local pool size (default: cores)"
    )
    p.add_argument(
        "--max-in-flight",
        type=_positive,
        default=0,
        metavar="N",
        help="jobs pending at most (default: 4 x workers locally, 64 with --broker)",
    )
    p.add_argument("--results", metavar="FILE", help="results file (default <manifest>.results.jsonl)")
    p.add_argument("--events", metavar="FILE", help="events file (default <manifest>.events.jsonl)")
    p.add_argument("--resume", action="store_true", help="append; skip jobs the results file has as made")
    p.add_argument("--check", action="store_true", help="validate the manifest and profiles, run nothing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=main)


def _profiles(args: argparse.Namespace) -> dict[str, Profile]:
    if args.profiles:
        return load_profiles(args.profiles)
    folder = Path(args.manifest).resolve().parent
    for name in ("profiles.toml", "profiles.json"):
        if (folder / name).is_file():
            return load_profiles(folder / name)
    return {}


def _pending(jobs: Iterator[Job], done: set[str], summary: Summary, progress: BatchProgress) -> Iterator[Job]:
    for job in jobs:
        if job.job_id in done:
            summary.skipped += 1
            progress.skip(len(job.renditions))
            continue
        yield job


def main(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    out = Console()
    try:
        profiles = _profiles(args)
        out_dir = os.path.abspath(args.out_dir)
        plan: ManifestPlan = scan(args.manifest, profiles, out_dir, default_profile=args.profile)
        BatchConfig.from_env()  # a malformed IMGWORKER_* number is a usage error too
    except (ManifestError, ProfileError, ValueError) as exc:
        print(f"imgworker batch: {exc}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{k} x{v}" for k, v in sorted(plan.profiles.items()))
    print(f"{plan.jobs} jobs, {plan.renditions} renditions ({counts})", file=sys.stderr)
    if args.check:
        return 0
    base = Path(args.manifest)
    results_path = Path(args.results or base.with_suffix(".results.jsonl"))
    events_path = Path(args.events or base.with_suffix(".events.jsonl"))
    done = done_jobs(results_path) if args.resume else set()
    summary = Summary()
    mode = f"celery ({args.broker})" if args.broker else f"local pool ({args.workers} processes)"
    try:
        with (
            stop_signals(),  # SIGTERM too: the pool is stopped and the files closed, as on Ctrl-C
            JsonLinesWriter(results_path, append=args.resume) as results,
            JsonLinesWriter(events_path, append=args.resume) as events,
            BatchProgress(plan.renditions, console=console, enabled=not args.no_progress) as progress,
        ):
            sink = Collector(results, events, progress, summary)
            jobs = _pending(
                iter_jobs(args.manifest, profiles, out_dir, default_profile=args.profile), done, summary, progress
            )
            (_run_celery if args.broker else _run_local)(args, jobs, sink, results_path)
    except KeyboardInterrupt as exc:
        name = f" ({exc})" if isinstance(exc, Interrupted) else ""
        print(
            f"imgworker batch: interrupted{name}; records so far are in {results_path}: run again with --resume",
            file=sys.stderr,
        )
        return exc.exit_code if isinstance(exc, Interrupted) else 130
    summary.finished = time.perf_counter()
    summary.print(out, f"imgworker batch: {mode}")
    out.print(f"results: {results_path}  events: {events_path}", markup=False, highlight=False)
    return 1 if summary.failed else 0


def _run_local(args: argparse.Namespace, jobs: Iterator[Job], sink: Collector, results_path: Path) -> None:
    pool = local_pool(args.workers)
    try:
        run_local(
            jobs, sink, config=BatchConfig.from_env(), pool=pool, max_in_flight=args.max_in_flight or 4 * args.workers
        )
        pool.shutdown()
    except BaseException:
        stop_pool(pool)  # an interrupt: queued jobs are cancelled, running ones abandoned, processes gone
        raise


def _run_celery(args: argparse.Namespace, jobs: Iterator[Job], sink: Collector, results_path: Path) -> None:
    from celery import Celery

    from imgworker.batch.submit import run_celery
    from imgworker.batch.tasks import configure

    config = BatchConfig.from_env().with_broker(args.broker)
    app = configure(Celery("imgworker-batch"), config)  # a fresh app: no state shared between runs
    batch = hashlib.sha256(str(results_path.resolve()).encode()).hexdigest()[:16]
    try:
        run_celery(
            jobs,
            sink,
            app=app,
            config=config,
            batch=batch,
            scope=uuid.uuid4().hex,
            max_in_flight=args.max_in_flight or 64,
        )
    finally:
        app.close()
