"""Step 3a of the seed: GET the signed imgix URL and keep the rendered bytes.

Retries (tenacity, exponential backoff, 3 attempts) only on network errors, 429 and 5xx; a 4xx is
final. The renderer's status becomes an Asset Compute reason through the one table
:data:`imgworker.asset_compute.errors.STATUS_TABLE` (imgix statuses:
https://docs.imgix.com/references/http-status-codes); the embedded renderer also names the exact
reason in ``X-Imgworker-Reason``, which wins when present.
An empty 200 body is an error, never a rendition.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from imgworker.asset_compute.errors import reason_for_status


class FetchError(Exception):
    """The renderer did not return a rendition: ``reason`` (Asset Compute), ``status`` (HTTP or 0)."""

    def __init__(self, reason: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


class _Retryable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rendered:
    """The renderer's answer: body bytes and Content-Type."""

    data: bytes
    content_type: str


def reason_for(status: int, header: str | None) -> str:
    """Asset Compute reason for a renderer status (header from the embedded renderer wins), from the
    one status table :data:`imgworker.asset_compute.errors.STATUS_TABLE`."""
    return reason_for_status(status, header).value


def _message(response: httpx.Response) -> str:
    text = response.text.strip().splitlines()
    detail = text[0] if text else response.reason_phrase
    return f"renderer answered {response.status_code}: {detail[:300]}"


def fetch(client: httpx.Client, url: str, *, accept: str = "*/*", attempts: int = 3) -> Rendered:
    """GET ``url`` and return the body.

    Raises:
        FetchError: a 4xx, a 5xx/network failure after ``attempts`` tries, or an empty body.
    """

    @retry(
        retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.2, max=5),
        reraise=True,
    )
    def once() -> httpx.Response:
        try:
            response = client.get(url, headers={"Accept": accept})
        except httpx.TimeoutException as exc:  # it answered too slowly: not "unreachable"
            timeout = f"renderer did not answer in time (IMGWORKER_FETCH_TIMEOUT): {type(exc).__name__}"
            raise _Retryable(timeout) from None
        except httpx.HTTPError as exc:
            raise _Retryable(f"renderer unreachable: {type(exc).__name__}: {exc}") from None
        # a 5xx the embedded renderer decided itself (deadline, internal error: it names the reason)
        # is deterministic and not retried; transient ones (proxies, real imgix, 429) are
        own = "x-imgworker-reason" in response.headers
        if response.status_code == 429 or (response.status_code >= 500 and not own):
            raise _Retryable(_message(response))
        return response

    try:
        response = once()
    except _Retryable as exc:
        raise FetchError("GenericError", exc.message) from None
    if response.status_code != 200:
        reason = reason_for(response.status_code, response.headers.get("x-imgworker-reason"))
        raise FetchError(reason, _message(response), response.status_code)
    if not response.content:
        raise FetchError("GenericError", "renderer answered 200 with an empty body", 200)
    return Rendered(response.content, response.headers.get("content-type", "application/octet-stream"))
