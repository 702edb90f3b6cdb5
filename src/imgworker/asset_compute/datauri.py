"""RFC 2397 ``data:`` URIs: parse sources and build embedded renditions.

Follows asset-compute-pipeline ``lib/storage/datauri.js`` (sources) and ``lib/rendition.js``
``asDataUri()`` (``data:<content type without spaces>;base64,<payload>``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

_DATA_URI = re.compile(r"^data:(?P<meta>[^,]*),(?P<data>.*)$", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class DataUri:
    """A parsed data URI: ``mime`` (default ``text/plain;charset=US-ASCII`` per RFC 2397) and ``data``."""

    mime: str
    data: bytes


def is_data_uri(url: str) -> bool:
    """True when ``url`` starts with ``data:`` (any case)."""
    return url[:5].lower() == "data:"


def parse_data_uri(url: str) -> DataUri:
    """Decode ``url``; raises ``ValueError`` when it is not a well-formed data URI or its base64 is bad."""
    match = _DATA_URI.match(url)
    if not match:
        raise ValueError("not a data URI")
    meta = match.group("meta").split(";")
    is_base64 = meta[-1].strip().lower() == "base64"
    if is_base64:
        meta = meta[:-1]
    mime = ";".join(m.strip() for m in meta if m.strip()) or "text/plain;charset=US-ASCII"
    payload = match.group("data")
    if not is_base64:
        return DataUri(mime, unquote_to_bytes(payload))
    compact = re.sub(r"\s+", "", unquote_to_bytes(payload).decode("ascii", "replace"))
    try:
        return DataUri(mime, base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64 payload: {exc}") from exc


def file_as_data_uri(path: Path, content_type: str) -> str:
    """``data:<content_type without spaces>;base64,<payload>`` for the file at ``path``."""
    payload = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{content_type.replace(' ', '')};base64,{payload}"
