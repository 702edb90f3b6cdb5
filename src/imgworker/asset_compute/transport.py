"""HTTP plumbing shared by downloads, uploads and event senders: the client, the retry policy, errors.

Retry policy (node-httptransfer v3.4.1 ``lib/retry.js``, spec section 2 item 4; field case A22): network
errors (connect, read timeout, reset, truncated body) and HTTP 5xx, 408 and 429 are retried with
exponential backoff, delay_n = min(``initial_wait`` x ``backoff``^n, 30 s) + rand(0..100 ms), at least the
response's ``Retry-After`` (seconds or an HTTP date, honoured up to 60 s), while the next attempt would
still start within the budget; any other status (401, 403, 404, 409, 412, 413 ...) is terminal at once.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Iterable
from email.utils import parsedate_to_datetime
from typing import Any

import certifi
import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential,
    wait_random,
)
from tenacity.wait import wait_base

from imgworker import __version__
from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.redact import get_logger, redact_url

log = get_logger(__name__)
USER_AGENT = f"imgworker-asset-compute/{__version__}"
RETRYABLE_STATUSES = frozenset({408, 429})
MAX_BACKOFF = 30.0  # s: cap of one exponential backoff delay
MAX_RETRY_AFTER = 60.0  # s: the longest Retry-After honoured


class HttpStatusError(Exception):
    """A non-success response. ``str()`` is ``"<METHOD> '<redacted url>' failed with status <n>: <body>"``
    (the reference's wording, with the URL's query redacted). ``retryable`` overrides the status rule
    (I/O Events answers 204 while its journal is not ready: retried)."""

    def __init__(
        self,
        method: str,
        url: str,
        status: int,
        body: str = "",
        *,
        retryable: bool | None = None,
        retry_after: str | None = None,
    ) -> None:
        text = f"{method} '{redact_url(url)}' failed with status {status}"
        if body:
            text += f": {body[:300]}"
        super().__init__(text)
        self.method = method
        self.status = status
        self.body = body
        self.retryable = retryable
        self.retry_after = parse_retry_after(retry_after)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), capped at 60; else None."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, min(MAX_RETRY_AFTER, seconds))


class _WaitRetryAfter(wait_base):
    """Wait at least the failed response's ``Retry-After``."""

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        delay = getattr(exc, "retry_after", None)
        return float(delay) if isinstance(delay, float) else 0.0


def response_text(response: httpx.Response) -> str:
    """Body text when the response is text/json/xml (read it first), else ``""``."""
    ctype = response.headers.get("content-type", "")
    if any(t in ctype for t in ("text", "json", "xml")) or not ctype:
        try:
            return response.text.strip()
        except (UnicodeDecodeError, httpx.ResponseNotRead):
            return ""
    return ""


def is_retryable(exc: BaseException) -> bool:
    """True for network errors, 5xx, 408 and 429."""
    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, HttpStatusError):
        if exc.retryable is not None:
            return exc.retryable
        return exc.status >= 500 or exc.status in RETRYABLE_STATUSES
    return False


def ssl_context(config: AssetComputeConfig) -> ssl.SSLContext:
    """System (certifi) CAs plus ``config.ca_file`` when set (like ``NODE_EXTRA_CA_CERTS``)."""
    ctx = ssl.create_default_context(cafile=certifi.where())
    if config.ca_file:
        ctx.load_verify_locations(cafile=config.ca_file)
    return ctx


def make_client(config: AssetComputeConfig, **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with the read/write timeout ``config.read_timeout`` (s) and the CA setup."""
    timeout = httpx.Timeout(config.read_timeout, connect=min(config.read_timeout, 30.0), pool=None)
    limits = httpx.Limits(max_connections=max(16, config.max_concurrent_parts * 2))
    kwargs.setdefault("headers", {"user-agent": USER_AGENT})
    return httpx.AsyncClient(verify=ssl_context(config), timeout=timeout, limits=limits, **kwargs)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("attempt %d failed (%s), retrying in %.3f s", state.attempt_number, exc, wait)


def wait_combine_max(first: wait_base, second: wait_base) -> wait_base:
    """A tenacity wait that is the larger of two waits."""

    class _Max(wait_base):
        def __call__(self, retry_state: RetryCallState) -> float:
            return max(first(retry_state), second(retry_state))

    return _Max()


def retrying(config: AssetComputeConfig, budget: float, initial_wait: float | None = None) -> AsyncRetrying:
    """The retry loop for one operation: ``async for attempt in retrying(...): with attempt: ...``.

    ``budget`` (s) caps the time from the first attempt to the start of the last one; with
    ``config.disable_retries`` a single attempt is made. The last error is re-raised.
    """
    first = config.initial_wait if initial_wait is None else initial_wait
    stop = stop_after_attempt(1) if config.disable_retries else stop_before_delay(budget)
    return AsyncRetrying(
        stop=stop,
        wait=wait_combine_max(
            wait_exponential(multiplier=first, exp_base=config.backoff, max=MAX_BACKOFF) + wait_random(0, 0.1),
            _WaitRetryAfter(),
        ),
        retry=retry_if_exception(is_retryable),
        before_sleep=_log_retry,
        reraise=True,
    )


async def run_all(jobs: Iterable[Awaitable[None]]) -> None:
    """Run ``jobs`` concurrently; on the first failure cancel the others, wait for them, and re-raise it."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    if not tasks:
        return
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and (exc := task.exception()) is not None:
            raise exc
