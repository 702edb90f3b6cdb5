"""Calling worker callbacks: sync callbacks on daemon threads, async callbacks on the event loop.

A sync callback runs on its own daemon thread so that the event loop (deadline timer, event sends)
stays responsive and a callback that never returns cannot block interpreter exit. An ``async def``
callback is awaited directly (it is cancelled when the activation times out).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeAlias

from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.source import Source

#: ``callback(source, rendition, params)``: write the rendition to ``rendition.path``; may be ``async``.
RenditionCallback: TypeAlias = Callable[[Source | None, Rendition, dict[str, Any]], Awaitable[None] | None]
#: ``callback(source, renditions, outdir, params)``: write every ``rendition.path``; may be ``async``.
BatchCallback: TypeAlias = Callable[[Source | None, list[Rendition], Path, dict[str, Any]], Awaitable[None] | None]


def _is_async(fn: Callable[..., Any]) -> bool:
    call = type(fn).__call__ if not inspect.isfunction(fn) and not inspect.ismethod(fn) else None
    return inspect.iscoroutinefunction(fn) or (call is not None and inspect.iscoroutinefunction(call))


def in_daemon_thread(fn: Callable[[], Any], after: Callable[[], None] | None = None) -> asyncio.Future[Any]:
    """Run ``fn()`` on a new daemon thread; the future gets its result or exception. ``after()`` runs on the
    thread once ``fn`` returns (used to clean up when the activation ended first)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()

    def deliver(ok: bool, value: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def target() -> None:
        ok, value = True, None
        try:
            value = context.run(fn)
        except BaseException as exc:
            ok, value = False, exc
        finally:
            if after is not None:
                after()
        with contextlib.suppress(RuntimeError):  # a closed loop: the activation ended without this result
            loop.call_soon_threadsafe(deliver, ok, value)

    threading.Thread(target=target, name="asset-compute-callback", daemon=True).start()
    return future


async def invoke(fn: Callable[..., Any], *args: Any, after: Callable[[], None] | None = None) -> None:
    """Call ``fn(*args)``: awaited if ``async``, else on a daemon thread (an awaitable result is awaited)."""
    if _is_async(fn):
        await fn(*args)
        return
    result = await in_daemon_thread(lambda: fn(*args), after)
    if inspect.isawaitable(result):
        await result
