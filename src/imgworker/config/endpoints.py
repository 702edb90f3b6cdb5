"""Which renderer and which endpoints: real imgix domains, loopback URLs."""

from __future__ import annotations

import re

_IMGIX_DOMAIN_RE = re.compile(r"^(?:https?://)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.imgix\.net)/?$", re.IGNORECASE)
_LOOPBACK_RE = re.compile(r"^https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/|$)", re.IGNORECASE)


def is_imgix_domain(domain: str | None) -> bool:
    """True if ``domain`` is a real imgix domain ``<sub>.imgix.net`` (optionally with ``https://``).

    Then URLs go to the imgix service over https and the embedded renderer is not started; another
    value (``http://127.0.0.1:8080``) names an imgworker renderer already running (every parameter is
    then checked against what imgworker implements); unset means the embedded renderer.
    """
    return bool(domain and _IMGIX_DOMAIN_RE.match(domain.strip()))


def is_loopback(url: str) -> bool:
    """True if ``url`` is ``http(s)://`` on 127.x.x.x, ``localhost`` or ``[::1]``: imgix's cloud cannot read it."""
    return bool(_LOOPBACK_RE.match(url))


def domain_host(domain: str) -> str:
    """``domain`` without scheme or trailing slash."""
    return re.sub(r"^https?://", "", domain.strip(), flags=re.IGNORECASE).rstrip("/")
