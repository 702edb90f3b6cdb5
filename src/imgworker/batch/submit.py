"""The Celery submitter: send jobs, keep at most N in flight, collect records and events.

One ``render_job`` task per job with ``task_id = job id``. Before sending, the backend is asked
for that id: a ``SUCCESS`` whose records are all ``created`` (the same job submitted earlier) is
collected as is (``replayed``) and not sent again; any other finished state is forgotten and the
job sent. Each round reads the state of every job in flight with one ``MGET`` (every ``poll``
seconds while waiting) and drains the event journal ``imgworker:events:<batch>`` into the events
file (read, write, then trim: an event is written twice only if the submitter dies in between).

**Lost jobs.** kombu's Redis transport pops a message (``BRPOP``) before it records it as
unacknowledged, so a worker *node* that dies in that instant loses the message. A job whose state
has not changed for ``lost_after`` seconds (default: visibility timeout + time limit) is sent
again under the same id (harmless: the done markers make a second execution a replay); after
``max_resends`` it is recorded as failed.

A task that ends in ``FAILURE`` (an unexpected exception, the hard time limit) gives one failed
record per rendition with its exception; no event is written for those.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis
from celery import Celery, states

from imgworker.batch.config import BatchConfig
from imgworker.batch.jobs import Job
from imgworker.batch.ledger import Record, RedisLedger, drain_events
from imgworker.batch.runner import Collector, failed_records

READY = frozenset(states.READY_STATES)


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


@dataclass
class _Pending:
    """A job in flight: when its state last changed, what it was, how often it was re-sent."""

    job: Job
    changed: float = field(default_factory=time.monotonic)
    state: tuple[str, str] = ("", "")
    resends: int = 0


@dataclass
class Submitter:
    """Sends jobs and collects their outcomes (see the module doc); use :func:`run_celery`."""

    app: Celery
    config: BatchConfig
    sink: Collector
    events_key: str
    scope: str
    lost_after: float
    max_resends: int = 3
    pending: dict[str, _Pending] = field(default_factory=dict)

    def send(self, job: Job) -> None:
        from imgworker.batch.tasks import TASK_NAME

        args = [job.to_payload(), self.events_key, self.scope]
        self.app.send_task(TASK_NAME, args=args, task_id=job.job_id, queue=self.config.queue)

    def poll(self) -> bool:
        """One round: collect finished jobs, re-send lost ones; True if any job finished."""
        backend = self.app.backend
        ids = list(self.pending)
        values = backend.mget([backend.get_key_for_task(i) for i in ids]) if ids else []
        now, finished = time.monotonic(), False
        for task_id, value in zip(ids, values, strict=True):
            meta: dict[str, Any] = backend.decode_result(value) if value else {"status": states.PENDING}
            entry = self.pending[task_id]
            if meta.get("status") in READY:
                del self.pending[task_id]
                self.sink.job_done(entry.job, records_from_meta(entry.job, meta))
                finished = True
                continue
            state = (str(meta.get("status")), str(meta.get("date_done")))
            if state != entry.state:
                entry.state, entry.changed = state, now
            elif now - entry.changed > self.lost_after:
                self._lost(task_id, entry, now)
        return finished

    def _lost(self, task_id: str, entry: _Pending, now: float) -> None:
        if entry.resends >= self.max_resends:
            del self.pending[task_id]
            message = f"the job was lost {entry.resends + 1} times (no progress for {self.lost_after:.0f} s)"
            self.sink.job_done(entry.job, failed_records(entry.job, message))
            return
        entry.resends += 1
        entry.changed = now
        self.send(entry.job)


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
    lost_after: float | None = None,
    max_resends: int = 3,
) -> None:
    """Submit every job to ``app`` (configured for ``config``) and wait until all are finished.

    Args:
        batch: names the event journal (``imgworker:events:<batch>``).
        scope: this submission (failure events are published once per rendition and scope).
        max_in_flight: jobs sent and not finished, at most.
        poll: seconds between result polls while waiting.
        lost_after: seconds without a state change before a job is re-sent (default: visibility
            timeout + time limit); ``max_resends``: re-sends before it is recorded as failed.
    """
    client = redis.Redis.from_url(config.ledger_url)
    events_key = RedisLedger.events_key_for(batch)
    limit = lost_after if lost_after is not None else config.visibility_timeout + config.time_limit
    submitter = Submitter(app, config, sink, events_key, scope, limit, max_resends)

    def collect(block: bool) -> None:
        while True:
            finished = submitter.poll()
            sink.publish(drain_events(client, events_key))
            if finished or not block or not submitter.pending:
                return
            time.sleep(poll)

    try:
        for job in jobs:
            while len(submitter.pending) >= max_in_flight:
                collect(block=True)
            previous = _previous(app.backend, job)
            if previous is not None:
                sink.job_done(job, previous)
                continue
            submitter.send(job)
            submitter.pending[job.job_id] = _Pending(job)
            collect(block=False)
        while submitter.pending:
            collect(block=True)
        sink.publish(drain_events(client, events_key))
    finally:
        client.close()
