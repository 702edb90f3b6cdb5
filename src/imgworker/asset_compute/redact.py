"""Redaction of presigned URLs and secrets, and the structured JSON log format.

Follows asset-compute-commons ``lib/log-utils.js`` (which hides ``accessToken``, ``hmacPrivateKey``,
``newRelicApiKey`` and URL credentials), extended to every log line of this package:

* URL query strings (presigned signatures: ``sig=``, ``X-Amz-Signature=``) become ``?<redacted>``;
  ``user:password@`` in URLs is removed;
* ``data:`` URIs longer than 80 characters are shortened;
* ``Bearer``/``Basic`` credentials, JWTs, PEM blocks, and the values of secret keys (``accessToken``,
  ``hmacPrivateKey``, ``newRelicApiKey``, ``api_key``, ``authorization``, ``password``, ...) are hidden.

Every module logs through :func:`get_logger`, whose filter redacts each record when it is created, so
no handler configuration can leak a secret.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

REDACTED = "<redacted>"
SECRET_KEYS = frozenset(
    k.lower()
    for k in (
        "accessToken",
        "hmacPrivateKey",
        "newRelicApiKey",
        "api_key",
        "apiKey",
        "__OW_API_KEY",
        "authorization",
        "password",
        "secret",
        "token",
        "privateKey",
        "x-ac-hmac-signature",
        "IMGIX_SECURE_TOKEN",
        "AZURE_STORAGE_KEY",
        "IMGIX_STORAGE_KEY",
    )
)
_URL = re.compile(r"\b(https?|wss?|ftp)://[^\s'\"<>]+", re.IGNORECASE)
_DATA_URI = re.compile(r"data:[^\s'\",]{0,100},[A-Za-z0-9+/=%_.~-]{40,}")
_AUTH = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL)
_KEYS = "|".join(sorted((re.escape(k) for k in SECRET_KEYS), key=len, reverse=True))
_KEY_VALUE = re.compile(rf"""(["']?(?:{_KEYS})["']?\s*[:=]\s*)(["'])(.*?)\2""", re.IGNORECASE)
_KEY_BARE = re.compile(rf"""(\b(?:{_KEYS})\s*[:=]\s*)([^\s,;'"}}\]]+)""", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` without credentials and with the query replaced by ``<redacted>``; data URIs shortened.

    Example: ``https://u:p@host/a.jpg?sig=x`` -> ``https://host/a.jpg?<redacted>``.
    """
    if url.startswith("data:"):
        head, _, payload = url.partition(",")
        return url if len(url) <= 80 else f"{head},<{len(payload)} chars>"
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = REDACTED if parts.query else ""
    trailing = "?" if url.endswith("?") and not parts.query else ""  # already redacted: stay idempotent
    return urlunsplit((parts.scheme, netloc, parts.path, query, "")) + trailing


def redact_text(text: str) -> str:
    """Redact every URL, data URI, credential, JWT, PEM block and ``secretKey: value`` pair in ``text``."""
    if not text:
        return text
    text = _PEM.sub(REDACTED, text)
    text = _DATA_URI.sub(lambda m: redact_url(m.group(0)), text)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _AUTH.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    return _KEY_BARE.sub(lambda m: m.group(0) if m.group(2) == REDACTED else f"{m.group(1)}{REDACTED}", text)


def redact_value(value: Any) -> Any:
    """Deep copy of ``value`` with secret keys' values hidden and every string passed to :func:`redact_text`."""
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in SECRET_KEYS and v is not None else redact_value(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and ``extra`` field ``fields``) in redacted form. Never drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            record.fields = redact_value(fields)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """The logger ``name`` with the redacting filter attached (idempotent)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``{"time", "level", "logger", "message", ...fields}``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            out.update(redact_value(fields))
        if record.exc_text:
            out["exception"] = redact_text(record.exc_text)
        return json.dumps(out, default=str, separators=(",", ":"))


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Send ``imgworker.asset_compute`` logs as JSON lines to ``stream`` (stderr); returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_FILTER)
    logger = logging.getLogger("imgworker.asset_compute")
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler
