"""Field cases A20-A22 (transfer): single PUT to a SAS, multipart part sizing, transient failures.

A scripted HTTP target on 127.0.0.1 records every request line and body; actions per request are
``reset`` (close the connection without an answer) or ``(status, headers)``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.errors import AssetComputeError, GenericError, RenditionTooLarge
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.transport import make_client, parse_retry_after
from imgworker.asset_compute.upload import upload

KIB, MIB = 1024, 1024 * 1024


@dataclass
class Seen:
    path: str  # the raw request target, query included, byte for byte
    headers: dict[str, str]
    body: bytes
    t: float


@dataclass
class Target:
    """Answers PUTs; ``script[path-without-query]`` is a list of actions used in turn, then 201."""

    script: dict[str, list[Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def parts(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]


@pytest.fixture
def target() -> Iterator[Target]:
    state = Target()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with state.lock:
                state.seen.append(
                    Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                )
                actions = state.script.get(self.path.split("?", 1)[0], [])
                action = actions.pop(0) if actions else (201, {})
            if action == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
                self.close_connection = True
                return
            status, headers = action
            self.send_response(status)
            for key, value in {"Content-Length": "0", **headers}.items():
                self.send_header(key, value)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def config(tmp_path: Path) -> AssetComputeConfig:
    return AssetComputeConfig(allow_http=True, work_base=tmp_path, retry_budget=20, multipart_retry_budget=20,
                              initial_wait=0.05, read_timeout=5.0, max_concurrent_parts=1)  # fmt: skip


def _put(tmp_path: Path, target: Any, data: bytes, config: AssetComputeConfig, fmt: str = "png") -> Rendition:
    rendition = Rendition({"fmt": fmt, "name": f"r.{fmt}", "target": target}, tmp_path, 0)
    rendition.path.write_bytes(data)

    async def go() -> None:
        async with make_client(config) as client:
            await upload(rendition, client, config, "imgix")

    asyncio.run(go())
    return rendition


def test_a20_single_put_to_a_sas_url(target: Target, config: AssetComputeConfig, tmp_path: Path) -> None:
    data = (Path(__file__).parents[1] / "fixtures" / "halo.png").read_bytes()
    query = "sv=2025-11-05&sr=b&sp=cw&se=2030-01-01T00%3A00%3A00Z&sig=ab%2Bcd%2Fef%3D"
    _put(tmp_path, f"{target.base}/renditions/r.png?{query}", data, config)
    [seen] = target.seen  # exactly one PUT
    assert seen.path == f"/renditions/r.png?{query}"  # the URL byte for byte: no re-encoding of %2B/%3D
    assert seen.headers["x-ms-blob-type"] == "BlockBlob"
    assert seen.headers["content-type"] == "image/png" and seen.headers["content-length"] == str(len(data))
    assert hashlib.sha256(seen.body).digest() == hashlib.sha256(data).digest()  # 201 is success


@pytest.mark.parametrize(
    ("size", "parts"),
    [(300 * KIB, [61_440] * 5), (3 * MIB, [629_146] * 4 + [629_144])],
)
def test_a21_part_sizes(
    target: Target, config: AssetComputeConfig, tmp_path: Path, size: int, parts: list[int]
) -> None:
    data = os.urandom(size)
    urls = [f"{target.base}/mp/part{k}" for k in range(1, 6)]
    _put(tmp_path, {"urls": urls, "minPartSize": 10_240, "maxPartSize": MIB}, data, config)
    seen = sorted(target.parts("/mp/"), key=lambda s: s.path)
    assert [len(s.body) for s in seen] == parts
    assert all(len(s.body) <= MIB for s in seen)
    assert hashlib.sha256(b"".join(s.body for s in seen)).digest() == hashlib.sha256(data).digest()


def test_a21_too_large_sends_nothing(target: Target, config: AssetComputeConfig, tmp_path: Path) -> None:
    urls = [f"{target.base}/mp/part{k}" for k in range(1, 6)]
    with pytest.raises(RenditionTooLarge):
        _put(tmp_path, {"urls": urls, "minPartSize": 10_240, "maxPartSize": MIB}, os.urandom(6 * MIB), config)
    assert target.seen == []


def test_a22_transient_failures_are_retried_with_retry_after(
    target: Target, config: AssetComputeConfig, tmp_path: Path
) -> None:
    target.script["/mp/part2"] = ["reset", (503, {"Retry-After": "1"})]
    data = os.urandom(300 * KIB)
    urls = [f"{target.base}/mp/part{k}" for k in range(1, 6)]
    started = time.monotonic()
    _put(tmp_path, {"urls": urls, "minPartSize": 10_240, "maxPartSize": MIB}, data, config)
    attempts = target.parts("/mp/part2")
    assert len(attempts) == 3
    assert attempts[2].t - attempts[1].t >= 1.0  # Retry-After honoured before the 3rd attempt
    final = {s.path: s.body for s in target.seen}  # the last body per part
    assert (
        hashlib.sha256(b"".join(final[f"/mp/part{k}"] for k in range(1, 6))).digest() == hashlib.sha256(data).digest()
    )
    assert time.monotonic() - started < 30


def test_a22_forbidden_part_is_final_and_stops_the_upload(
    target: Target, config: AssetComputeConfig, tmp_path: Path
) -> None:
    target.script["/mp/part4"] = [(403, {})]
    urls = [f"{target.base}/mp/part{k}" for k in range(1, 6)]
    with pytest.raises(GenericError, match="403") as info:
        _put(tmp_path, {"urls": urls, "minPartSize": 10_240, "maxPartSize": MIB}, os.urandom(300 * KIB), config)
    assert not isinstance(info.value, RenditionTooLarge) and isinstance(info.value, AssetComputeError)
    assert len(target.parts("/mp/part4")) == 1  # not retried
    assert target.parts("/mp/part5") == []  # nothing after the failure (parts go in order, one at a time here)


def test_a22_terminal_statuses_are_not_retried(target: Target, config: AssetComputeConfig, tmp_path: Path) -> None:
    for status in (400, 401, 404, 409, 412):
        target.seen.clear()
        target.script["/single"] = [(status, {})]
        with pytest.raises(GenericError, match=str(status)):
            _put(tmp_path, f"{target.base}/single", b"abc", replace(config, retry_budget=5))
        assert len(target.seen) == 1
    target.seen.clear()
    target.script["/single"] = [(413, {})]
    with pytest.raises(RenditionTooLarge):
        _put(tmp_path, f"{target.base}/single", b"abc", config)
    assert len(target.seen) == 1
    for status in (408, 429, 500, 502, 503, 504):  # each retried once, then 201
        target.seen.clear()
        target.script["/single"] = [(status, {})]
        _put(tmp_path, f"{target.base}/single", b"abc", config)
        assert [s.path for s in target.seen] == ["/single", "/single"]


def test_retry_after_parsing() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("600") == 60.0  # capped
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
