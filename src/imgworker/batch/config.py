"""Settings of the batch runners and the Celery worker (the only batch code that reads the environment).

Variables (all optional):

- ``IMGWORKER_BROKER_URL``: the Celery broker, ``redis://host:port/db`` (default
  ``redis://127.0.0.1:6379/0``).
- ``IMGWORKER_RESULT_BACKEND``: where task results are kept (default: the broker URL).
- ``IMGWORKER_LEDGER_URL``: the Redis that holds done markers and events (default: the result
  backend when it is ``redis://``/``rediss://``, else the broker).
- ``IMGWORKER_QUEUE``: the Celery queue (default ``imgworker``).
- ``IMGWORKER_TASK_TIME_LIMIT``: hard limit in seconds for one job (default 300); the soft limit
  is 90 % of it (at least 1 s less).
- ``IMGWORKER_VISIBILITY_TIMEOUT``: seconds before Redis hands an unacknowledged job to another
  worker (default: time limit + maximum retry backoff + 60 s). Must exceed the longest job.
- ``IMGWORKER_MAX_RETRIES``: retries of a job after transient errors (default 5).
- ``IMGWORKER_RETRY_BACKOFF`` / ``IMGWORKER_RETRY_BACKOFF_MAX``: first retry delay and its cap,
  seconds (default 2 and 60); the delay doubles per retry.
- ``IMGWORKER_MAX_REDELIVERIES``: how many times a job may kill its worker (SIGKILL, OOM) before
  it is failed instead of re-delivered again (default 3).
- ``IMGWORKER_DONE_TTL``: seconds a done marker is kept (default 30 days).
- ``IMGWORKER_MAX_TASKS_PER_CHILD``: recycle a pool process after this many jobs (default 200).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


def _number(values: Mapping[str, str], name: str, default: float) -> float:
    text = values.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"Expected a number of seconds for {name} but received {text!r}") from None
    if value < 0:
        raise ValueError(f"Expected a number >= 0 for {name} but received {text!r}")
    return value


@dataclass(frozen=True)
class BatchConfig:
    """Broker, limits and retry policy; times in seconds. Build it with :meth:`from_env`."""

    broker_url: str = DEFAULT_BROKER
    result_backend: str = DEFAULT_BROKER
    ledger_url: str = DEFAULT_BROKER
    queue: str = "imgworker"
    time_limit: float = 300.0
    visibility_timeout: float = 420.0
    max_retries: int = 5
    retry_backoff: float = 2.0
    retry_backoff_max: float = 60.0
    max_redeliveries: int = 3
    done_ttl: int = 30 * 24 * 3600
    max_tasks_per_child: int = 200

    @property
    def soft_time_limit(self) -> float:
        """90 % of :attr:`time_limit`, and at least one second below it."""
        return max(0.5, min(self.time_limit * 0.9, self.time_limit - 1.0))

    def backoff(self, retries: int) -> float:
        """Delay before retry number ``retries + 1``: ``retry_backoff * 2**retries``, capped."""
        return float(min(self.retry_backoff_max, self.retry_backoff * (2**retries)))

    def with_broker(self, url: str) -> BatchConfig:
        """The same settings against another Redis (broker, results and ledger all on ``url``)."""
        return replace(self, broker_url=url, result_backend=url, ledger_url=url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BatchConfig:
        """Read the ``IMGWORKER_*`` variables above.

        Raises:
            ValueError: a number that does not parse, naming the variable.
        """
        values = os.environ if env is None else env
        broker = values.get("IMGWORKER_BROKER_URL") or DEFAULT_BROKER
        backend = values.get("IMGWORKER_RESULT_BACKEND") or broker
        ledger = values.get("IMGWORKER_LEDGER_URL") or (backend if backend.startswith("redis") else broker)
        time_limit = _number(values, "IMGWORKER_TASK_TIME_LIMIT", 300.0)
        backoff_max = _number(values, "IMGWORKER_RETRY_BACKOFF_MAX", 60.0)
        return cls(
            broker_url=broker,
            result_backend=backend,
            ledger_url=ledger,
            queue=values.get("IMGWORKER_QUEUE") or "imgworker",
            time_limit=time_limit,
            visibility_timeout=_number(values, "IMGWORKER_VISIBILITY_TIMEOUT", time_limit + backoff_max + 60.0),
            max_retries=int(_number(values, "IMGWORKER_MAX_RETRIES", 5)),
            retry_backoff=_number(values, "IMGWORKER_RETRY_BACKOFF", 2.0),
            retry_backoff_max=backoff_max,
            max_redeliveries=int(_number(values, "IMGWORKER_MAX_REDELIVERIES", 3)),
            done_ttl=int(_number(values, "IMGWORKER_DONE_TTL", 30 * 24 * 3600)),
            max_tasks_per_child=int(_number(values, "IMGWORKER_MAX_TASKS_PER_CHILD", 200)),
        )
