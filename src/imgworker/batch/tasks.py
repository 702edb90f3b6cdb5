"""The Celery app of the batch: ``celery -A imgworker.batch.tasks worker`` runs it.

Settings (runtime-and-scale.md section 2; the values come from :class:`~imgworker.batch.config.BatchConfig`):

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a job is acknowledged only after it
  returned; if its pool process dies (SIGKILL, OOM) the message goes back to the queue at once,
  and if the whole worker dies Redis hands it out again after ``visibility_timeout``;
- ``worker_prefetch_multiplier = 1``: a worker reserves one job per process, no hoarding;
- ``task_time_limit`` / ``task_soft_time_limit``; ``visibility_timeout`` above the time limit plus
  the longest retry backoff, so a running job is never handed to a second worker;
- JSON only; results in Redis (``result_expires`` one day); one queue, ``IMGWORKER_QUEUE``.

The one task, ``imgworker.batch.render_job(payload, events_key, scope)``, is sent by the submitter
with ``task_id = job id`` (deterministic). It retries itself with exponential backoff while
:func:`~imgworker.batch.work.process_job` reports a transient failure, and never for a permanent
one (SourceCorrupt, SourceFormatUnsupported, 403 ...). A job that keeps killing its worker is
failed after ``IMGWORKER_MAX_REDELIVERIES`` re-deliveries instead of looping forever.

Each pool process opens one :class:`~imgworker.batch.work.RenderContext` (embedded renderer,
HTTP client) at ``worker_process_init`` and reuses it for every job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown

from imgworker.batch.config import BatchConfig
from imgworker.batch.context import RenderContext
from imgworker.batch.jobs import Job
from imgworker.batch.ledger import RedisLedger
from imgworker.batch.outcome import Attempt
from imgworker.batch.work import process_job
from imgworker.worker.config import WorkerConfig

TASK_NAME = "imgworker.batch.render_job"


def configure(app: Celery, config: BatchConfig) -> Celery:
    """Apply the workload's settings (module doc) to ``app``; returns it."""
    app.conf.update(
        broker_url=config.broker_url,
        result_backend=config.result_backend,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=config.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=config.time_limit,
        task_soft_time_limit=config.soft_time_limit,
        worker_max_tasks_per_child=config.max_tasks_per_child,
        broker_transport_options={
            "visibility_timeout": config.visibility_timeout,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 5,
        },
        result_expires=24 * 3600,
        result_extended=False,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        imgworker_batch=config,
    )
    return app


CONFIG = BatchConfig.from_env()
# httpx logs every request line (presigned query strings included) at INFO: keep only its warnings
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

app = configure(Celery("imgworker"), CONFIG)


@dataclass
class _ProcessState:
    """What one pool process keeps between jobs."""

    ctx: RenderContext | None = None
    redis: redis.Redis | None = None


_state = _ProcessState()


def batch_config() -> BatchConfig:
    """The settings this app was configured with (:func:`configure`)."""
    config = app.conf.get("imgworker_batch")
    return config if isinstance(config, BatchConfig) else CONFIG


def context() -> RenderContext:
    """This process's render context (opened on first use when the init signal did not run)."""
    if _state.ctx is None:
        _state.ctx = RenderContext.open(WorkerConfig.from_env())
    return _state.ctx


def _client() -> redis.Redis:
    if _state.redis is None:
        _state.redis = redis.Redis.from_url(batch_config().ledger_url)
    return _state.redis


def _open_context(**_: Any) -> None:
    global _state
    _state = _ProcessState()  # a forked child must not reuse its parent's sockets
    context()


def _close_context(**_: Any) -> None:
    if _state.ctx is not None:
        _state.ctx.close()
        _state.ctx = None


def _render_job(self: Task, payload: dict[str, Any], events_key: str, scope: str) -> dict[str, Any]:
    """Run one job (``payload`` from :meth:`Job.to_payload`); returns ``{"records": [...], ...}``."""
    config = batch_config()
    job = Job.from_payload(payload)
    ledger = RedisLedger(_client(), events_key, done_ttl=config.done_ttl)
    retries = int(self.request.retries or 0)
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    abort = ""
    if redelivered and ledger.lost(job.job_id, scope) > config.max_redeliveries:
        abort = (
            f"the job came back {config.max_redeliveries + 1} times after its worker was lost (killed, out of "
            "memory, or past the visibility timeout); not retried"
        )
    attempt = Attempt(retries + 1, retries >= config.max_retries, scope, redelivered, abort)
    outcome = process_job(job, context(), ledger, attempt, stop_on=(SoftTimeLimitExceeded,))
    if outcome.retry:
        raise self.retry(countdown=config.backoff(retries), max_retries=config.max_retries)
    return outcome.to_dict()


worker_process_init.connect(_open_context)
worker_process_shutdown.connect(_close_context)
render_job = app.task(bind=True, name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)(_render_job)
"""The Celery task (``imgworker.batch.render_job``) wrapping :func:`_render_job`."""
