"""``imgworker openwhisk-proxy`` as a process: the action folder goes away when the proxy stops."""

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(proc: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            httpx.post(f"{base}/run", json={}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the proxy did not start")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_removes_the_action_folder(tmp_path: Path, sig: signal.Signals) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, TMPDIR=str(tmp_path))  # tempfile.mkdtemp puts ow-action-* there
    proc = subprocess.Popen(
        [sys.executable, "-m", "imgworker.cli", "openwhisk-proxy", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_ready(proc, base)
        init = httpx.post(f"{base}/init", json={"value": {"code": "def main(args):\n    return args\n"}}, timeout=10)
        assert init.json() == {"ok": True}
        [folder] = tmp_path.glob("ow-action-*")
        assert (folder / "__main__.py").is_file()
        proc.send_signal(sig)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode in (0, -sig)  # uvicorn re-raises the signal after its clean shutdown
    assert not folder.exists()
