"""The Celery submitter: send jobs, keep at most N in flight, collect records and events.

One ``render_job`` task per job with ``task_id = job id``. Before sending, the backend is asked
for that id: a ``SUCCESS`` whose records are all ``created`` (the same job submitted earlier) is
collected as is (``replayed``) and not sent again; any other finished state is forgotten and the
job sent. Results are polled with one ``MGET`` for all jobs in flight per round (every ``poll``
seconds while waiting), and the event journal ``imgworker:events:<batch>`` is drained into the
events file each round (read, write, then trim: an event may be written twice only if the
submitter dies between the write and the trim).

A task that ends in ``FAILURE`` (an unexpected exception, the hard time limit, too many lost
workers) gives one failed record per rendition with its exception; no event is written for those.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

import redis
from celery import Celery, states

from imgworker.batch.config import BatchConfig
from imgworker.batch.jobs import Job
from imgworker.batch.ledger import Record, RedisLedger, drain_events
from imgworker.batch.runner import Collector, failed_records

READY = frozenset(states.READY_STATES)


def _ready(backend: Any, ids: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, meta) of the ids whose result is in a ready state, with one MGET."""
    if not ids:
        return
    values = backend.mget([backend.get_key_for_task(i) for i in ids])
    for task_id, value in zip(ids, values, strict=True):
        if value:
            meta = backend.decode_result(value)
            if meta.get("status") in READY:
                yield task_id, meta


def records_from_meta(job: Job, meta: dict[str, Any]) -> list[Record]:
    """The records a finished task left: its result's ``records``, or failed records for a FAILURE."""
    result = meta.get("result")
    if meta.get("status") == states.SUCCESS and isinstance(result, dict):
        records = [r for r in result.get("records", []) if isinstance(r, dict)]
        named = {r.get("rendition") for r in records}
        missing = Job(job.job_id, job.source, job.profile, tuple(r for r in job.renditions if r.name not in named))
        return records + failed_records(missing, "the task returned no record for this rendition")
    detail = f"{type(result).__name__}: {result}" if isinstance(result, BaseException) else str(result)
    return failed_records(job, f"task {meta.get('status')}: {detail}")


def _previous(backend: Any, job: Job) -> list[Record] | None:
    """Records of an earlier successful submission of the same job, else ``None`` (stale state forgotten)."""
    meta = backend.get_task_meta(job.job_id)
    status = meta.get("status")
    if status == states.PENDING:
        return None
    if status == states.SUCCESS:
        records = records_from_meta(job, meta)
        if all(r.get("status") == "created" for r in records):
            return [{**r, "replayed": True} for r in records]
    backend.forget(job.job_id)
    return None


def run_celery(
    jobs: Iterable[Job],
    sink: Collector,
    *,
    app: Celery,
    config: BatchConfig,
    batch: str,
    scope: str,
    max_in_flight: int,
    poll: float = 0.02,
) -> None:
    """Submit every job to ``app`` (configured for ``config``) and wait until all are finished.

    Args:
        batch: names the event journal (``imgworker:events:<batch>``).
        scope: this submission (failure events are published once per rendition and scope).
        max_in_flight: jobs sent and not finished, at most.
        poll: seconds between result polls while waiting.
    """
    from imgworker.batch.tasks import TASK_NAME

    backend = app.backend
    client = redis.Redis.from_url(config.ledger_url)
    events_key = RedisLedger.events_key_for(batch)
    inflight: dict[str, Job] = {}

    def collect(block: bool) -> None:
        while True:
            finished = list(_ready(backend, list(inflight)))
            for task_id, meta in finished:
                job = inflight.pop(task_id)
                sink.job_done(job, records_from_meta(job, meta))
            sink.publish(drain_events(client, events_key))
            if finished or not block or not inflight:
                return
            time.sleep(poll)

    try:
        for job in jobs:
            while len(inflight) >= max_in_flight:
                collect(block=True)
            previous = _previous(backend, job)
            if previous is not None:
                sink.job_done(job, previous)
                continue
            app.send_task(TASK_NAME, args=[job.to_payload(), events_key, scope], task_id=job.job_id, queue=config.queue)
            inflight[job.job_id] = job
            collect(block=False)
        while inflight:
            collect(block=True)
        sink.publish(drain_events(client, events_key))
    finally:
        client.close()
