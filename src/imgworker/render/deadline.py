"""Per-request deadline: a wall-clock budget that really stops the work when it runs out.

The deadline lives in a :class:`~contextvars.ContextVar`, set by :func:`deadline` around one render
(the server runs each render in its own worker thread, so requests never see each other's budget).
Two mechanisms enforce it:

- **between steps**: the pipeline calls :func:`check` before each step and each animation frame;
- **inside libvips**: :func:`imgworker.render.vips.watch` turns on libvips progress reporting for
  the image being evaluated and connects an ``eval`` signal handler that calls ``set_kill(True)``
  once the deadline has passed. libvips then stops its worker threads at the next tile (the CPU is
  freed within milliseconds) and the evaluation fails with "killed"; :mod:`imgworker.render.vips`
  maps that to :class:`~imgworker.render.errors.RenderTimeout` (HTTP 503).

Work outside libvips (OpenCV face detection on a <= 288 px copy, also when it runs beside the
decode on a background thread; palette/blurhash maths on a small thumbnail) is bounded by design
and is not interrupted. Encoders cannot be stopped once they run (libwebp, libaom, libimagequant,
cgif): :func:`afford` refuses to start one whose measured cost (``ops/format.py``,
``ENCODE_US_PER_PIXEL``) exceeds what is left of the budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from imgworker.render.errors import RenderTimeout

_DEADLINE: ContextVar[float | None] = ContextVar("imgworker_render_deadline", default=None)
_BUDGET: ContextVar[float | None] = ContextVar("imgworker_render_budget", default=None)


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Run the ``with`` body under a budget of ``seconds`` (wall clock; ``None`` or <= 0: unlimited)."""
    if seconds is None or seconds <= 0:
        yield
        return
    token = _DEADLINE.set(time.monotonic() + seconds)
    budget = _BUDGET.set(seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)
        _BUDGET.reset(budget)


def expires_at() -> float | None:
    """The ``time.monotonic()`` instant the current budget ends, or ``None`` when unlimited."""
    return _DEADLINE.get()


def expired() -> bool:
    """Whether the current deadline has passed."""
    at = _DEADLINE.get()
    return at is not None and time.monotonic() >= at


def timeout_error() -> RenderTimeout:
    """The error for an exceeded deadline, naming the budget."""
    budget = _BUDGET.get()
    what = f"{budget:g} s" if budget is not None else "the configured time"
    return RenderTimeout(f"rendering took longer than the deadline of {what} and was stopped")


def check() -> None:
    """Raise :class:`RenderTimeout` when the current deadline has passed."""
    if expired():
        raise timeout_error()


def remaining() -> float | None:
    """Seconds left in the current budget (0 once past), or ``None`` when unlimited."""
    at = _DEADLINE.get()
    return None if at is None else max(0.0, at - time.monotonic())


def afford(seconds: float, what: str) -> None:
    """Refuse (:class:`RenderTimeout`) to start work that cannot be interrupted (an encoder) when it
    is expected to take ``seconds`` and fewer are left in the budget: better a 503 now than a
    thread that runs on long past the deadline."""
    left = remaining()
    if left is not None and seconds > left:
        budget = _BUDGET.get()
        raise RenderTimeout(f"{what} would take about {seconds:.1f} s and only {left:.1f} s of the "
                            f"{budget:g} s deadline are left; it was not started")  # fmt: skip
