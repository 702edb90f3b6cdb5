"""Fetching absolute overlay URLs safely (``mark``, ``blend``, ``mask`` = ``http(s)://...``).

Rules (operator configuration in :class:`OverlayPolicy`; failures are
:class:`~imgworker.render.errors.BadRequest` naming the parameter):

- the host must be in :attr:`OverlayPolicy.hosts` (exact names or ``*.example.com``); URLs with
  credentials are refused (other schemes than http/https never reach here);
- every address the host resolves to must be public (no private, loopback, link-local, multicast,
  reserved or shared address, IPv4-mapped IPv6 included) unless it lies in
  :attr:`OverlayPolicy.allowed_addresses`; the check runs in the connection itself, on the
  addresses actually dialled, so DNS cannot change the answer between check and connect;
- only ``200`` counts (redirects are not followed); the body is capped at
  :attr:`OverlayPolicy.max_bytes` (``Content-Length`` checked first) and the fetch at
  :attr:`OverlayPolicy.timeout` seconds (each network operation and the whole body);
- the request carries :data:`OVERLAY_DEPTH_HEADER` so a renderer fetching from another renderer
  (or itself) bounds the nesting.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore

from imgworker.render.errors import BadRequest

OVERLAY_DEPTH_HEADER = "X-Imgworker-Overlay-Depth"
DEFAULT_OVERLAY_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_OVERLAY_TIMEOUT = 10.0


@dataclass(frozen=True)
class OverlayPolicy:
    """Where absolute overlay URLs may come from (operator configuration).

    Attributes:
        hosts: allowed host names (case-insensitive; ``*.example.com`` matches sub-domains). Empty
            (the default): no absolute URL is allowed, only paths on the renderer's origin.
        allowed_addresses: IP addresses or networks (``127.0.0.1``, ``10.0.0.0/8``) accepted even
            though they are not public; empty by default.
        max_bytes: body limit of one fetched overlay, bytes (default 25 MiB).
        timeout: limit of one fetch, seconds (default 10).
    """

    hosts: tuple[str, ...] = ()
    allowed_addresses: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_OVERLAY_MAX_BYTES
    timeout: float = DEFAULT_OVERLAY_TIMEOUT

    def host_allowed(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        for pattern in (p.lower().rstrip(".") for p in self.hosts):
            if name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
                return True
        return False

    def address_allowed(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in ipaddress.ip_network(n, strict=False) for n in self.allowed_addresses):
            return True
        return ip.is_global and not ip.is_multicast


class _Denied(Exception):
    """Raised inside the connection when an address is not allowed."""


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself and dials only addresses the policy allows (all must be allowed)."""

    def __init__(self, policy: OverlayPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise _Denied(f"host {host!r} does not resolve") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        bad = [a for a in addresses if not self.policy.address_allowed(a)]
        if bad or not addresses:
            raise _Denied(f"host {host!r} resolves to a non-public address ({bad[0] if bad else 'none'})")
        error: Exception = _Denied(f"host {host!r} is unreachable")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error


def fetch_url(url: str, policy: OverlayPolicy, *, param: str, depth: int = 1) -> bytes:
    """GET an absolute http(s) ``url`` under ``policy``; ``depth`` goes in :data:`OVERLAY_DEPTH_HEADER`.

    Raises:
        BadRequest: naming ``param``: host not allowed, non-public address, credentials in the URL,
            non-200 answer, body above the limit, timeout, network or protocol error.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username or parts.password:
        raise BadRequest(f"`{param}` URL must not carry credentials")
    if not policy.host_allowed(host):
        raise BadRequest(f"`{param}` URL host {host!r} is not an allowed overlay host")
    t = policy.timeout
    headers = [(b"User-Agent", b"imgworker-renderer"), (OVERLAY_DEPTH_HEADER.encode(), str(depth).encode())]
    deadline = time.monotonic() + t
    try:
        with httpcore.ConnectionPool(network_backend=_GuardedBackend(policy), retries=0) as pool:
            extensions = {"timeout": {"connect": t, "read": t, "write": t, "pool": t}}
            with pool.stream("GET", url, headers=headers, extensions=extensions) as response:
                return _read(response, policy, deadline, param)
    except _Denied as exc:
        raise BadRequest(f"`{param}` URL is not allowed: {exc}") from None
    except httpcore.TimeoutException:
        raise BadRequest(f"`{param}` URL timed out after {t:g} s") from None
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, OSError) as exc:
        raise BadRequest(f"`{param}` URL cannot be fetched ({type(exc).__name__})") from None


def _read(response: httpcore.Response, policy: OverlayPolicy, deadline: float, param: str) -> bytes:
    if response.status != 200:
        raise BadRequest(f"`{param}` URL answered HTTP {response.status}")
    limit = policy.max_bytes
    declared = next((v for k, v in response.headers if k.lower() == b"content-length"), None)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"`{param}` image is above the overlay limit of {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_stream():
        total += len(chunk)
        if total > limit:
            raise BadRequest(f"`{param}` image is above the overlay limit of {limit} bytes")
        if time.monotonic() > deadline:
            raise BadRequest(f"`{param}` URL timed out after {policy.timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
