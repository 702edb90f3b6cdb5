"""callbacks: sync callbacks on daemon threads, async ones awaited, results and errors delivered."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from imgworker.asset_compute.callbacks import in_daemon_thread, invoke


def test_sync_callback_runs_on_a_daemon_thread() -> None:
    seen: list[Any] = []

    def callback(a: int, b: int) -> None:
        seen.append((a + b, threading.current_thread().daemon, threading.current_thread().name))

    after: list[bool] = []
    asyncio.run(invoke(callback, 1, 2, after=lambda: after.append(True)))
    assert seen == [(3, True, "asset-compute-callback")] and after == [True]


def test_async_and_awaitable_returning_callbacks() -> None:
    seen: list[str] = []

    async def coro(x: str) -> None:
        seen.append(x)

    class Callable:
        async def __call__(self, x: str) -> None:
            seen.append("obj-" + x)

    def returns_awaitable(x: str) -> Any:
        return coro("via-" + x)

    async def go() -> None:
        await invoke(coro, "a")
        await invoke(Callable(), "b")
        await invoke(returns_awaitable, "c")

    asyncio.run(go())
    assert seen == ["a", "obj-b", "via-c"]


def test_errors_propagate_and_a_late_thread_is_harmless() -> None:
    def boom() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        asyncio.run(invoke(boom))

    release = threading.Event()
    done = threading.Event()

    async def go() -> None:
        future = in_daemon_thread(lambda: (release.wait(2), done.set()))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(future, 0.05)

    asyncio.run(go())  # the loop is closed while the thread still runs
    release.set()
    assert done.wait(2)
