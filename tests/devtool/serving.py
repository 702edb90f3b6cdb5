"""``imgworker serve`` as a real subprocess on a free loopback port, for the devtool tests.

:class:`ServeProcess` starts it with settings from ``env`` over a clean environment (no inherited
``IMGIX_*``/``IMGWORKER_*``), the working directory and data under ``root``, and the examples from
``examples/photos``; :meth:`ServeProcess.wait_ready` polls ``/readyz``; :meth:`ServeProcess.stop`
sends SIGTERM. The JSON logs (stdout + stderr) are in ``log_path``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
PHOTOS = REPO / "examples" / "photos"
TOKEN = "devtool-test-token-0123456789"
_WORKER_VARS = ("IMGIX_DOMAIN", "IMGIX_SECURE_TOKEN", "IMGWORKER_STAGING_STORE", "IMGWORKER_FETCH_TIMEOUT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """A running ``imgworker serve``: ``base_url``, ``log_path``, :meth:`stop` -> exit code."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = root / "serve.log"
        full_env = {k: v for k, v in os.environ.items() if k not in _WORKER_VARS and not k.startswith("IMGWORKER_")}
        full_env.update(
            {
                "IMGWORKER_DEVTOOL_DIR": str(root / "devtool"),
                "IMGWORKER_STAGING_STORE": str(root / "staging"),
                "IMGWORKER_EXAMPLES_DIR": str(PHOTOS),
                "IMGWORKER_SHUTDOWN_TIMEOUT": "5",
            }
        )
        full_env.update(env)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "imgworker.cli", "serve", "--port", str(self.port)],
            cwd=root,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"imgworker serve exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"imgworker serve not ready after {timeout} s:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return int(self.proc.returncode)
