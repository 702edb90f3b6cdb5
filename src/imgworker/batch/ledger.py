"""Done markers, failure markers and the event journal: what makes a re-run harmless.

Keys (``imgworker:`` prefix, values are JSON)::

    imgworker:done:<rendition id>            the record of the rendition that was made (TTL done_ttl)
    imgworker:failed:<rendition id>:<scope>  a failure already reported in this submission (TTL 1 day)
    imgworker:lost:<job id>:<scope>          how often this job came back after its worker died
    imgworker:events:<batch>                 list of events (Asset Compute shapes), drained by the submitter

:meth:`RedisLedger.commit` runs one Lua script: ``SET done NX`` and, only if that set the key,
``RPUSH`` the event. Redis runs a script atomically, so there is never a marker without its event
nor a second event for one marker, whichever worker or re-delivery gets there first.
:class:`MemoryLedger` is the same contract inside one process (the local pool, tests).
"""

from __future__ import annotations

import json
from typing import Any, Protocol, cast

import redis

Record = dict[str, Any]
Event = dict[str, Any]
PREFIX = "imgworker"
FAILED_TTL = 24 * 3600

_COMMIT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', tonumber(ARGV[3])) then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


class Ledger(Protocol):
    """Where a worker learns whether a rendition is already made, and reports it exactly once."""

    def done(self, rid: str) -> Record | None:
        """The stored record of a rendition already made, or ``None``."""
        ...

    def commit(self, rid: str, record: Record, event: Event) -> bool:
        """Mark ``rid`` done with ``record`` and publish ``event``, only if not done yet; True if this call did."""
        ...

    def fail(self, rid: str, scope: str, event: Event) -> bool:
        """Publish a failure ``event`` once per ``(rid, scope)``; True if this call did."""
        ...

    def lost(self, job_id: str, scope: str) -> int:
        """Count one more delivery of a job after a lost worker; returns the new count."""
        ...


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class RedisLedger:
    """The ledger in Redis (the broker's or ``IMGWORKER_LEDGER_URL``); see the module doc for keys."""

    def __init__(self, client: redis.Redis, events_key: str, *, done_ttl: int = 30 * 24 * 3600) -> None:
        self.client = client
        self.events_key = events_key
        self.done_ttl = done_ttl
        self._commit = client.register_script(_COMMIT)

    @staticmethod
    def events_key_for(batch: str) -> str:
        """``imgworker:events:<batch>``."""
        return f"{PREFIX}:events:{batch}"

    def done(self, rid: str) -> Record | None:
        raw = self.client.get(f"{PREFIX}:done:{rid}")
        return cast(Record, json.loads(cast(bytes, raw))) if raw else None

    def commit(self, rid: str, record: Record, event: Event) -> bool:
        keys = [f"{PREFIX}:done:{rid}", self.events_key]
        return bool(self._commit(keys=keys, args=[_dumps(record), _dumps(event), self.done_ttl]))

    def fail(self, rid: str, scope: str, event: Event) -> bool:
        keys = [f"{PREFIX}:failed:{rid}:{scope}", self.events_key]
        return bool(self._commit(keys=keys, args=["1", _dumps(event), FAILED_TTL]))

    def lost(self, job_id: str, scope: str) -> int:
        key = f"{PREFIX}:lost:{job_id}:{scope}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, FAILED_TTL)
        count, _ = pipe.execute()
        return int(count)


class MemoryLedger:
    """The same contract in one process; ``events`` keeps what was published, in order."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.failed: set[tuple[str, str]] = set()
        self.losses: dict[tuple[str, str], int] = {}
        self.events: list[Event] = []

    def done(self, rid: str) -> Record | None:
        return self.records.get(rid)

    def commit(self, rid: str, record: Record, event: Event) -> bool:
        if rid in self.records:
            return False
        self.records[rid] = record
        self.events.append(event)
        return True

    def fail(self, rid: str, scope: str, event: Event) -> bool:
        if (rid, scope) in self.failed:
            return False
        self.failed.add((rid, scope))
        self.events.append(event)
        return True

    def lost(self, job_id: str, scope: str) -> int:
        count = self.losses.get((job_id, scope), 0) + 1
        self.losses[(job_id, scope)] = count
        return count


def drain_events(client: redis.Redis, key: str, limit: int = 500) -> list[Event]:
    """Take up to ``limit`` events from the head of the journal ``key`` (read, then trim)."""
    items = cast(list[bytes], client.lrange(key, 0, limit - 1))
    if items:
        client.ltrim(key, len(items), -1)
    return [cast(Event, json.loads(item)) for item in items]
