"""Run a batch's jobs: on a local process pool, or through Celery with at most N jobs in flight.

Both runners take an iterable of :class:`~imgworker.batch.jobs.Job` (consumed lazily) and hand
each finished job's records to a :class:`Collector`, which appends them to the results file,
writes the events file, feeds the progress bar and the summary.

**Backpressure.** Neither runner holds more than ``max_in_flight`` jobs that are submitted and not
finished: the next manifest row is read only when one finishes, so a slow or full queue slows the
submitter instead of growing its memory (or the broker's queue).

**Local pool** (no broker): ``ProcessPoolExecutor`` with ``spawn`` processes (default: one per
core); each opens one :class:`~imgworker.batch.work.RenderContext` in its initializer. Transient
failures are retried inside the process with the same backoff as the Celery task.

**Stopping.** Pool processes ignore SIGINT (a Ctrl-C reaches the whole process group: the
submitter decides) and stop on SIGTERM: a running job is abandoned (its temporary files removed; a
target is written whole or not at all), an idle process exits at once. Each also watches its
parent and stops when the submitter is gone, even after a SIGKILL. On an interrupt (see
:mod:`imgworker.batch.interrupts`) :func:`run_local` records the jobs that already finished, and
:func:`stop_pool` sends SIGTERM to every process, then SIGKILL to any still alive after a timeout.
Jobs that did not finish have no record, so ``--resume`` runs them again.

**Celery** (``--broker redis://...``): one ``render_job`` task per job, ``task_id = job id``. A job
whose id already has a successful result in the backend (a re-submission) is not sent again. The
submitter polls the backend with one ``MGET`` per round, and drains the event journal into the
events file as it goes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from types import FrameType
from typing import Any

from imgworker.batch.config import BatchConfig
from imgworker.batch.context import RenderContext
from imgworker.batch.interrupts import STOP_SIGNALS, blocked, deferred
from imgworker.batch.jobs import Job
from imgworker.batch.ledger import Event, MemoryLedger, Record
from imgworker.batch.outcome import Attempt, public_target
from imgworker.batch.progress import BatchProgress, Summary
from imgworker.batch.results import JsonLinesWriter
from imgworker.batch.work import process_job
from imgworker.worker.config import WorkerConfig


@dataclass
class Collector:
    """Where finished jobs go: results file, events file, progress bar, summary."""

    results: JsonLinesWriter
    events: JsonLinesWriter
    progress: BatchProgress
    summary: Summary

    def job_done(self, job: Job, records: list[Record]) -> None:
        """Record one finished job (its records are written together; an interrupt waits for them)."""
        with deferred():
            self.results.write(records)
            self.summary.add(job.profile, records)
            self.progress.advance(records)

    def publish(self, events: list[Event]) -> None:
        """Append events (each exactly once: the ledger published it once)."""
        with deferred():
            self.events.write(events)


# ---------------------------------------------------------------- local process pool

_local: dict[str, RenderContext] = {}
PARENT_POLL = 0.5
"""Seconds between a pool process's checks that the submitter is still its parent."""


class _Stop(SystemExit):
    """SIGTERM reached a pool process in the middle of a job."""


@dataclass
class _Worker:
    busy: bool = False


_worker = _Worker()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if _worker.busy:
        raise _Stop(128 + signum)  # unwinds the job: temporary files and partial targets are removed
    os._exit(128 + signum)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os.kill(os.getpid(), signal.SIGTERM)  # the submitter is gone (even SIGKILLed): stop as if told to


def _init_local(parent: int) -> None:
    """Pool process initializer: signal handling (module doc), parent watch, the render context."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if hasattr(signal, "pthread_sigmask"):  # started inside interrupts.blocked(): unblock now
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    threading.Thread(target=_watch_parent, args=(parent,), name="imgworker-parent-watch", daemon=True).start()
    _local["ctx"] = RenderContext.open(WorkerConfig.from_env())


def _run_local(payload: dict[str, Any], config: BatchConfig) -> dict[str, Any]:
    """Run one job in a pool process, retrying transient failures with backoff."""
    _worker.busy = True
    try:
        ctx = _local.get("ctx") or RenderContext.open(WorkerConfig.from_env())
        _local["ctx"] = ctx
        job, ledger = Job.from_payload(payload), MemoryLedger()
        for retries in range(config.max_retries + 1):
            attempt = Attempt(retries + 1, retries >= config.max_retries, "local")
            outcome = process_job(job, ctx, ledger, attempt)
            if not outcome.retry:
                return {"records": outcome.records, "events": ledger.events}
            time.sleep(config.backoff(retries))
        raise AssertionError("unreachable: the final attempt never asks for a retry")
    except _Stop as stop:
        os._exit(int(stop.code or 1))  # not back to the pool's loop: it would wait for the next job
    finally:
        _worker.busy = False


def local_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` spawned processes, each with its own renderer context."""
    return ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_local,
        initargs=(os.getpid(),),
    )


def stop_pool(pool: ProcessPoolExecutor, timeout: float = 10.0) -> None:
    """Stop ``pool`` now: cancel queued jobs, send SIGTERM to every process (a running job is
    abandoned), wait up to ``timeout`` seconds, then SIGKILL what is still alive. Further
    SIGINT/SIGTERM are held until the processes are gone."""
    with deferred():
        processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + timeout
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(5)


def run_local(
    jobs: Iterable[Job], sink: Collector, *, config: BatchConfig, pool: ProcessPoolExecutor, max_in_flight: int
) -> None:
    """Run every job on ``pool``, at most ``max_in_flight`` at a time.

    On an exception (an interrupt) the jobs that already finished are recorded before it
    propagates; the caller then stops the pool (:func:`stop_pool`).
    """
    inflight: dict[Future[dict[str, Any]], Job] = {}

    def collect(futures: Iterable[Future[dict[str, Any]]]) -> None:
        for future in futures:
            job = inflight.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # the pool process died or the job raised
                sink.job_done(job, failed_records(job, f"{type(exc).__name__}: {exc}"))
                continue
            with deferred():  # events and records of one job together
                sink.publish(result["events"])
                sink.job_done(job, result["records"])

    try:
        for job in jobs:
            while len(inflight) >= max_in_flight:
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                collect(done)
            with blocked():  # a pool process started by this submit must not see a Ctrl-C early
                inflight[pool.submit(_run_local, job.to_payload(), config)] = job
        while inflight:
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            collect(done)
    except BaseException:
        with deferred():  # what finished before the interrupt is recorded: --resume skips it
            collect([f for f in inflight if f.done() and not f.cancelled() and f.exception() is None])
        raise


def failed_records(job: Job, message: str, reason: str = "GenericError") -> list[Record]:
    """Records for a job that ended without its own (a crashed process, a task FAILURE state)."""
    return [
        {
            "job": job.job_id,
            "rendition_id": "",
            "line": job.line,
            "source": job.source,
            "profile": job.profile,
            "rendition": r.name,
            "target": public_target(r.target),
            "status": "failed",
            "reason": reason,
            "message": message,
            "attempts": 0,
            "redelivered": False,
            "replayed": False,
        }
        for r in job.renditions
    ]
