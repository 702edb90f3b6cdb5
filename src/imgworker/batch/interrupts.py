"""Stopping a batch cleanly on SIGINT (Ctrl-C) and SIGTERM.

**Submitter.** While :func:`stop_signals` is active (in the main thread), both signals raise
:class:`Interrupted`, a :class:`KeyboardInterrupt`, in the main thread, so the runner can stop its
pool processes and the results and events files are closed properly. Inside a :func:`deferred`
block (writing one finished job's records and events) a signal is held and raised when the block
ends: a job's records are written whole or not at all, so the results file stays the ledger that
``--resume`` reads.

**Pool processes.** A process started inside :func:`blocked` starts with both signals blocked (a
child inherits the signal mask), so a Ctrl-C, which the terminal sends to the whole process group,
cannot interrupt it before it has installed its own handlers; the local pool's processes then
ignore SIGINT (the submitter decides) and stop on SIGTERM (see :mod:`imgworker.batch.runner`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM reached the submitter; :attr:`exit_code` is ``128 + signal number``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The conventional exit code of a process stopped by this signal (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum


@dataclass
class _State:
    held: int = 0
    pending: int | None = None


_state = _State()


def _handler(signum: int, frame: FrameType | None) -> None:
    if _state.held:
        if _state.pending is None:
            _state.pending = signum
        return
    raise Interrupted(signum)


@contextmanager
def stop_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` while active; the previous handlers come back
    afterwards. Outside the main thread (where Python cannot set handlers) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _state.pending = None


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM (under :func:`stop_signals`) until the block ends, then raise
    :class:`Interrupted` for the first one that came; blocks nest."""
    _state.held += 1
    try:
        yield
    finally:
        _state.held -= 1
    if not _state.held and _state.pending is not None:
        signum, _state.pending = _state.pending, None
        raise Interrupted(signum)


@contextmanager
def blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread during the block: a process started inside inherits
    the mask and unblocks them itself once its handlers are set. Signals that arrive meanwhile are
    delivered when the block ends (no-op where ``pthread_sigmask`` is missing)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
