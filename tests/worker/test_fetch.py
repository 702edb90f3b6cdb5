"""Step 3a: fetching the rendition, retries, and what counts as a rendition."""

from __future__ import annotations

import httpx
import pytest

from imgworker.worker.fetch import FetchError, fetch
from imgworker.worker.imgix_worker import check_content


def _client(responses: list[httpx.Response]) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.pop(0)

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


def test_transient_5xx_is_retried_then_succeeds() -> None:
    client, seen = _client(
        [httpx.Response(503), httpx.Response(200, content=b"img", headers={"content-type": "image/png"})]
    )
    assert fetch(client, "http://r/x.png?w=1").data == b"img"
    assert len(seen) == 2


def test_the_renderers_own_5xx_is_final() -> None:
    client, seen = _client([httpx.Response(503, text="503 deadline", headers={"x-imgworker-reason": "GenericError"})])
    with pytest.raises(FetchError, match="503"):
        fetch(client, "http://r/x.png?w=1")
    assert len(seen) == 1  # a deterministic timeout is not retried


def test_4xx_maps_to_the_reason_and_is_final() -> None:
    client, seen = _client([httpx.Response(422, text="bad", headers={"x-imgworker-reason": "SourceCorrupt"})])
    with pytest.raises(FetchError) as info:
        fetch(client, "http://r/x.png?w=1")
    assert info.value.reason == "SourceCorrupt" and len(seen) == 1


@pytest.mark.parametrize(
    ("ctype", "params", "ok"),
    [
        ("image/jpeg", {"w": "10"}, True),
        ("text/html; charset=utf-8", {"w": "10"}, False),  # an error page answered with 200
        ("application/json", {"fm": "json"}, True),
        ("image/png", {"fm": "json"}, False),
        ("text/css; charset=utf-8", {"palette": "css"}, True),
        ("text/plain", {"fm": "blurhash"}, True),
    ],
)
def test_only_what_was_asked_for_is_a_rendition(ctype: str, params: dict[str, str], ok: bool) -> None:
    if ok:
        check_content(ctype, b"x", params)
    else:
        with pytest.raises(FetchError, match="not a rendition"):
            check_content(ctype, b"<html>", params)


def test_a_slow_renderer_is_a_timeout_not_unreachable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with httpx.Client(transport=httpx.MockTransport(slow)) as client, pytest.raises(FetchError) as info:
        fetch(client, "http://127.0.0.1:9/x.jpg?w=1", attempts=1)
    assert "did not answer in time" in info.value.message and "unreachable" not in info.value.message
