"""Serving one renderer app twice: under ``/render`` of the service, and on a loopback port for the worker.

Why two doors to the same app: the worker builds its imgix URLs with the ``imgix`` library
(:func:`imgworker.worker.signing.build_url`), which accepts a bare host and drops any path of the
base URL, so ``http://127.0.0.1:8000/render`` cannot be given to it as ``IMGIX_DOMAIN``. The
service therefore starts, once at start-up, a loopback listener (:class:`LoopbackServer`) that
serves the *same* renderer app instance (same origin, token, result cache and metrics) at its
root, exactly like an imgix domain; the worker gets ``http://127.0.0.1:<port>`` as its domain.

Signing: the signature covers the path as an imgix source domain sees it, ``/<key>``. Starlette's
``Mount`` leaves ``raw_path`` (``/render/<key>``) and ``path`` whole and moves the prefix into
``root_path``, and the renderer verifies and resolves ``raw_path``; :class:`StripPrefix` therefore
removes the mount prefix from ``path`` and ``raw_path`` (and clears ``root_path``), so
``/render/<key>?...&s=`` carries the same signature as ``http://127.0.0.1:<port>/<key>?...&s=``.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

THREAD_NAME = "imgworker-renderer"


class StripPrefix:
    """ASGI adapter for an app mounted under a prefix that must see root-relative paths.

    Args:
        app: the inner app (the renderer).
        via: value put in the scope key ``imgworker.via`` (read by the metrics middleware).
    """

    def __init__(self, app: ASGIApp, via: str = "public") -> None:
        self.app = app
        self.via = via

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        root = str(scope.get("root_path", ""))
        path = str(scope.get("path", ""))
        raw = bytes(scope.get("raw_path") or path.encode())
        if root and path.startswith(root):
            path = path[len(root) :]
        prefix = root.encode("utf-8")
        if prefix and raw.startswith(prefix):
            raw = raw[len(prefix) :]
        child = dict(scope)
        child.update({"path": path or "/", "raw_path": raw or b"/", "root_path": "", "imgworker.via": self.via})
        await self.app(child, receive, send)


class Tag:
    """ASGI adapter that only sets the scope key ``imgworker.via`` (for the loopback door)."""

    def __init__(self, app: ASGIApp, via: str) -> None:
        self.app = app
        self.via = via

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = dict(scope)
            scope["imgworker.via"] = self.via
        await self.app(scope, receive, send)


class LoopbackServer:
    """Serves an ASGI app on ``127.0.0.1`` (a free port) with uvicorn in a daemon thread.

    The thread is named :data:`THREAD_NAME` (the JSON log handler drops its uvicorn info lines).
    ``base_url`` (``http://127.0.0.1:<port>``) is known from construction; :meth:`start` waits up
    to ``timeout`` seconds for the server (``RuntimeError`` otherwise); :meth:`stop` lets running
    requests finish (up to ``grace`` seconds) and closes the socket.
    """

    def __init__(self, app: ASGIApp, *, grace: float = 10.0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, log_level=None, access_log=False, lifespan="off", log_config=None,
            timeout_graceful_shutdown=int(grace),
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._grace = grace
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=THREAD_NAME, daemon=True
        )

    @property
    def running(self) -> bool:
        return self._server.started and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> LoopbackServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the service's renderer listener did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=self._grace + 5)
        self._sock.close()
