"""RedisLedger against a real redis-server: SET NX + RPUSH in one script, drained events."""

from __future__ import annotations

import threading

import pytest

from imgworker.batch.ledger import RedisLedger, drain_events
from plugins.redis_service import RedisService

pytestmark = pytest.mark.redis


def test_commit_is_once_per_rendition_even_when_racing(redis_server: RedisService) -> None:
    client = redis_server.client(2)
    ledger = RedisLedger(client, RedisLedger.events_key_for("t-race"), done_ttl=60)
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def racer(i: int) -> None:
        barrier.wait()
        wins.append(ledger.commit("rid-1", {"by": i}, {"type": "rendition_created", "by": i}))

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1
    events = drain_events(client, ledger.events_key)
    assert len(events) == 1 and ledger.done("rid-1") == {"by": events[0]["by"]}
    assert 0 < client.ttl("imgworker:done:rid-1") <= 60
    assert drain_events(client, ledger.events_key) == []


def test_failures_once_per_scope_and_lost_counter(redis_server: RedisService) -> None:
    client = redis_server.client(2)
    ledger = RedisLedger(client, RedisLedger.events_key_for("t-fail"))
    assert ledger.fail("rid-2", "s1", {"type": "rendition_failed"})
    assert not ledger.fail("rid-2", "s1", {"type": "rendition_failed"})
    assert ledger.fail("rid-2", "s2", {"type": "rendition_failed"})
    assert ledger.done("rid-2") is None
    assert [ledger.lost("job", "s1") for _ in range(3)] == [1, 2, 3]
    assert len(drain_events(client, ledger.events_key, limit=1)) == 1
    assert len(drain_events(client, ledger.events_key)) == 1
