"""HTTP plumbing shared by downloads, uploads and event senders: the client, the retry policy, errors.

Retry policy (node-httptransfer v3.4.1 ``lib/retry.js``, spec section 2 item 4): network errors
(connect, read timeout, reset, truncated body) and HTTP 5xx, 408 and 429 are retried with exponential
backoff, delay_n = ``initial_wait`` x ``backoff``^n + rand(0..100 ms), while the next attempt would still
start within the budget; any other status (401, 403, 404, 413 ...) is terminal at once.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Iterable
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

from imgworker import __version__
from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.redact import get_logger, redact_url

log = get_logger(__name__)
USER_AGENT = f"imgworker-asset-compute/{__version__}"
RETRYABLE_STATUSES = frozenset({408, 429})


class HttpStatusError(Exception):
    """A non-success response. ``str()`` is ``"<METHOD> '<redacted url>' failed with status <n>: <body>"``
    (the reference's wording, with the URL's query redacted). ``retryable`` overrides the status rule
    (I/O Events answers 204 while its journal is not ready: retried)."""

    def __init__(self, method: str, url: str, status: int, body: str = "", *, retryable: bool | None = None) -> None:
        text = f"{method} '{redact_url(url)}' failed with status {status}"
        if body:
            text += f": {body[:300]}"
        super().__init__(text)
        self.method = method
        self.status = status
        self.body = body
        self.retryable = retryable


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


def retrying(config: AssetComputeConfig, budget: float, initial_wait: float | None = None) -> AsyncRetrying:
    """The retry loop for one operation: ``async for attempt in retrying(...): with attempt: ...``.

    ``budget`` (s) caps the time from the first attempt to the start of the last one; with
    ``config.disable_retries`` a single attempt is made. The last error is re-raised.
    """
    first = config.initial_wait if initial_wait is None else initial_wait
    stop = stop_after_attempt(1) if config.disable_retries else stop_before_delay(budget)
    return AsyncRetrying(
        stop=stop,
        wait=wait_exponential(multiplier=first, exp_base=config.backoff) + wait_random(0, 0.1),
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
