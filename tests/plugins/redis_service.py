"""A redis-server on 127.0.0.1 for the tests marked ``redis`` (the Celery broker of the batch tests).

Session-scoped fixture ``redis_server`` -> :class:`RedisService`: starts the Debian
``redis-server`` (runtime-and-scale.md section 2.4) with
``--bind 127.0.0.1 --port <free> --save '' --appendonly no`` in a temporary folder, waits for
``PING``, and stops it at the end of the session. If ``redis-server`` is not installed the test
FAILS with "run `make test-deps`": it is never skipped.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

STARTUP_TIMEOUT = 15.0  # seconds; measured 0.03 s on an idle machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class RedisService:
    """A running redis-server: ``url(db)`` is ``redis://127.0.0.1:<port>/<db>``."""

    host: str
    port: int
    log: Path

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, db=db)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisService]:
    """redis-server on 127.0.0.1:<free port>, no persistence; terminated at the end of the session."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed (Debian package redis-server): run `make test-deps`", pytrace=False)
    workdir = tmp_path_factory.mktemp("redis")
    log = workdir / "redis.log"
    port = _free_port()
    args = [
        exe,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(workdir),
        "--logfile",
        str(log),
    ]
    proc = subprocess.Popen(args, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    service = RedisService("127.0.0.1", port, log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        client = service.client()
        while True:
            if proc.poll() is not None:
                pytest.fail(f"redis-server exited with {proc.returncode}: {log.read_text(errors='replace')}")
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not answer PING on 127.0.0.1:{port} in {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.02)
        client.close()
        yield service
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
