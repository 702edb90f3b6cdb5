"""imgix secure-URL signatures: ``s = md5(token + path + ("?" + query))``, lower-case hex, last.

Normative source: https://docs.imgix.com/setup/securing-images and the imgix-blueprint "Securing URLs"
section (spec section 1). Nothing is normalised: the raw path and query as received are hashed,
so parameter order, ``%xx`` hex case and ``+`` vs ``%20`` all matter. ``s`` must be the final
parameter (what every imgix library produces); it is compared case-insensitively in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_SIG = re.compile(r"(?:^|&)s=([0-9a-fA-F]{32})$")


def sign(token: str, raw_path: str, raw_query: str = "") -> str:
    """The 32-hex-digit signature of ``raw_path`` (with leading ``/``) and ``raw_query`` (no ``?``)."""
    base = token + raw_path + ("?" + raw_query if raw_query else "")
    return hashlib.md5(base.encode("utf-8")).hexdigest()


def split_signature(raw_query: str) -> tuple[str, str | None]:
    """``(query without the final s, s)``; ``s`` is ``None`` when the query does not end in one."""
    m = _SIG.search(raw_query)
    if not m:
        return raw_query, None
    return raw_query[: m.start()], m.group(1)


def verify(token: str, raw_path: str, raw_query: str) -> bool:
    """True when ``raw_query`` ends in ``s=<sig>`` and the signature matches (spec 1.2)."""
    base_q, sig = split_signature(raw_query)
    if sig is None:
        return False
    return hmac.compare_digest(sign(token, raw_path, base_q), sig.lower())
