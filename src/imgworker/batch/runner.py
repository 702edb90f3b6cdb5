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

**Celery** (``--broker redis://...``): one ``render_job`` task per job, ``task_id = job id``. A job
whose id already has a successful result in the backend (a re-submission) is not sent again. The
submitter polls the backend with one ``MGET`` per round, and drains the event journal into the
events file as it goes.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from imgworker.batch.config import BatchConfig
from imgworker.batch.context import RenderContext
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
        """Record one finished job (its records are written together)."""
        self.results.write(records)
        self.summary.add(job.profile, records)
        self.progress.advance(records)

    def publish(self, events: list[Event]) -> None:
        """Append events (each exactly once: the ledger published it once)."""
        self.events.write(events)


# ---------------------------------------------------------------- local process pool

_local: dict[str, RenderContext] = {}


def _init_local() -> None:
    _local["ctx"] = RenderContext.open(WorkerConfig.from_env())


def _run_local(payload: dict[str, Any], config: BatchConfig) -> dict[str, Any]:
    """Run one job in a pool process, retrying transient failures with backoff."""
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


def local_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` spawned processes, each with its own renderer context."""
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"), initializer=_init_local)


def run_local(
    jobs: Iterable[Job], sink: Collector, *, config: BatchConfig, pool: ProcessPoolExecutor, max_in_flight: int
) -> None:
    """Run every job on ``pool``, at most ``max_in_flight`` at a time."""
    inflight: dict[Future[dict[str, Any]], Job] = {}

    def collect(futures: Iterable[Future[dict[str, Any]]]) -> None:
        for future in futures:
            job = inflight.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # the pool process died or the job raised
                sink.job_done(job, failed_records(job, f"{type(exc).__name__}: {exc}"))
                continue
            sink.publish(result["events"])
            sink.job_done(job, result["records"])

    for job in jobs:
        while len(inflight) >= max_in_flight:
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            collect(done)
        inflight[pool.submit(_run_local, job.to_payload(), config)] = job
    while inflight:
        done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
        collect(done)


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
