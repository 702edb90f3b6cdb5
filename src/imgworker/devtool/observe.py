"""A small ASGI base for middlewares that observe each HTTP response: its status and duration."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ObserveResponses:
    """Calls :meth:`observed` once per HTTP request with the response status (500 when the app failed
    before answering) and the wall time in seconds; other scopes pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.observed(scope, status, time.perf_counter() - start)

    def observed(self, scope: Scope, status: int, seconds: float) -> None:
        """Override: record one response."""
