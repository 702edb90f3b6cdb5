"""Run the renderer in-process on 127.0.0.1 (a random free port) for ``imgworker run`` and tests.

The server is uvicorn in a daemon thread, bound to a socket opened here so the port is known before
the first request; :meth:`EmbeddedRenderer.stop` shuts it down gracefully.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from imgworker.render.server import RendererConfig, create_app


class EmbeddedRenderer:
    """A renderer server on ``127.0.0.1``; ``base_url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, config: RendererConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        uv_config = uvicorn.Config(create_app(config), log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(uv_config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def start(self, timeout: float = 10.0) -> EmbeddedRenderer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the embedded renderer did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> EmbeddedRenderer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
