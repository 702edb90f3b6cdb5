"""Structured logs of the service: one JSON object per line on stderr, secrets redacted.

The format and the redaction are :mod:`imgworker.asset_compute.redact`'s (one implementation for the
whole project): every URL loses its query string (presigned signatures, imgix ``s``), credentials
and secret-named values are hidden. A line looks like::

    {"time": "2024-05-01T12:00:00", "level": "info", "logger": "imgworker.devtool.access",
     "message": "GET /render/ab12.png?<redacted> 200", "method": "GET", "path": "/render/ab12.png",
     "query": "<redacted>", "status": 200, "ms": 12.3, "client": "127.0.0.1"}

uvicorn's own access log is switched off (it prints raw request targets); :class:`AccessLog`
writes the line above instead.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from starlette.types import ASGIApp, Scope

from imgworker.asset_compute.redact import REDACTED, JsonFormatter, RedactingFilter, redact_text, redact_value
from imgworker.devtool.mount import THREAD_NAME
from imgworker.devtool.observe import ObserveResponses

__all__ = ["AccessLog", "configure_logging", "get_logger", "redact", "redact_text"]

LOGGERS = ("imgworker", "uvicorn", "uvicorn.error")


def redact(value: Any) -> Any:
    """``value`` with URL query strings and secrets hidden (strings, mappings and lists, deeply)."""
    return redact_value(value)


def get_logger(name: str) -> logging.Logger:
    """A logger under ``imgworker.devtool`` (``name`` is appended)."""
    return logging.getLogger(f"imgworker.devtool.{name}")


def configure_logging(level: str = "info", stream: TextIO | None = None) -> logging.Handler:
    """Send the ``imgworker`` and ``uvicorn`` loggers as JSON lines to ``stream`` (default stderr).

    Idempotent: a handler installed by an earlier call is replaced. Returns the handler.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    handler.addFilter(_quiet_loopback)
    handler.set_name("imgworker-json")
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "imgworker-json"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level.upper())
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
    return handler


def _quiet_loopback(record: logging.LogRecord) -> bool:
    """Drop uvicorn's info lines of the renderer's loopback listener (they would repeat the service's)."""
    return not (record.threadName == THREAD_NAME and record.name.startswith("uvicorn") and record.levelno < 30)


class AccessLog(ObserveResponses):
    """ASGI middleware: one ``imgworker.devtool.access`` line per HTTP request (query redacted).

    Fields: ``method``, ``path``, ``query`` (``<redacted>`` or absent), ``status``, ``ms``, ``client``.
    Requests to ``/healthz``, ``/readyz`` and ``/metrics`` are logged at debug level.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.log = get_logger("access")

    def observed(self, scope: Scope, status: int, seconds: float) -> None:
        self._log(scope, status, seconds * 1000)

    def _log(self, scope: Scope, status: int, ms: float) -> None:
        path = str(scope.get("path", ""))
        fields: dict[str, Any] = {"method": scope.get("method", ""), "path": path, "status": status}
        query = "?" + REDACTED if scope.get("query_string") else ""
        if query:
            fields["query"] = REDACTED
        fields["ms"] = round(ms, 1)
        client = scope.get("client")
        if client:
            fields["client"] = client[0]
        quiet = path in ("/healthz", "/readyz", "/metrics")
        level = logging.DEBUG if quiet else logging.INFO
        self.log.log(level, "%s %s%s %d", fields["method"], path, query, status, extra={"fields": fields})
