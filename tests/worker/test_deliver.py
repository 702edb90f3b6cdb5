"""deliver(): one PUT to an http(s) target; messages name the status, the store's error code and the
attempts actually made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from imgworker.worker.deliver import deliver
from imgworker.worker.fetch import FetchError

# path -> the responses to give, in order (status, headers, body); the last one repeats
Script = dict[str, list[tuple[int, dict[str, str], bytes]]]


@pytest.fixture
def server() -> Iterator[tuple[str, Script, dict[str, int]]]:
    script: Script = {}
    seen: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            count = seen.get(self.path, 0)
            seen[self.path] = count + 1
            steps = script[self.path]
            status, headers, body = steps[min(count, len(steps) - 1)]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", script, seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def rendition(tmp_path: Path) -> str:
    path = tmp_path / "r.jpg"
    path.write_bytes(b"\xff\xd8 not really a jpeg")
    return str(path)


def test_a_failing_put_counts_only_the_attempts_it_made(
    server: tuple[str, Script, dict[str, int]], rendition: str
) -> None:
    base, script, seen = server
    script["/busy"] = [(503, {"x-ms-error-code": "ServerBusy"}, b"")]
    with httpx.Client() as client:
        with pytest.raises(FetchError) as once:
            deliver(client, rendition, f"{base}/busy", "image/jpeg", attempts=1)
        assert once.value.message == "upload answered 503 ServerBusy", "one attempt: no count to contradict"
        with pytest.raises(FetchError) as three:
            deliver(client, rendition, f"{base}/busy", "image/jpeg", attempts=3)
        assert three.value.message == "upload answered 503 ServerBusy (after 3 attempts)"
        assert seen["/busy"] == 4
        script["/flaky"] = [(503, {}, b""), (503, {}, b""), (201, {}, b"")]
        deliver(client, rendition, f"{base}/flaky", "image/jpeg", attempts=4)
        assert seen["/flaky"] == 3


@pytest.mark.parametrize(
    ("status", "headers", "body", "reason", "message"),
    [
        (
            404,
            {"x-ms-error-code": "ContainerNotFound"},
            b"",
            "GenericError",
            "target refused the upload (404 ContainerNotFound: the container does not exist)",
        ),
        (
            404,
            {"Content-Type": "application/xml"},
            b"<?xml version='1.0'?><Error><Code>NoSuchBucket</Code><Message>no</Message></Error>",
            "GenericError",
            "target refused the upload (404 NoSuchBucket: the bucket does not exist)",
        ),
        (
            403,
            {"x-ms-error-code": "AuthorizationFailure"},
            b"",
            "GenericError",
            "target refused the upload (403 AuthorizationFailure)",
        ),
        (400, {}, b"bad", "GenericError", "target refused the upload (400)"),
        (413, {}, b"", "RenditionTooLarge", "target refused the upload of 20 bytes (413)"),
    ],
)
def test_a_refused_put_fails_at_once_naming_the_error_code(
    server: tuple[str, Script, dict[str, int]],
    rendition: str,
    status: int,
    headers: dict[str, str],
    body: bytes,
    reason: str,
    message: str,
) -> None:
    base, script, seen = server
    script["/t"] = [(status, headers, body)]
    with httpx.Client() as client, pytest.raises(FetchError) as caught:
        deliver(client, rendition, f"{base}/t", "image/jpeg", attempts=4)
    assert (caught.value.reason, caught.value.message, caught.value.status) == (reason, message, status)
    assert seen["/t"] == 1, "a 4xx is not retried"
