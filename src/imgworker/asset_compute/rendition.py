"""The ``rendition`` object handed to rendition callbacks (asset-compute-pipeline ``lib/rendition.js``;
spec section 3).

A callback writes the rendition file to ``rendition.path``; everything else (upload, metadata, events)
is done by the SDK.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

from imgworker.asset_compute.datauri import file_as_data_uri
from imgworker.sniff import OCTET, Sniffed, sniff_file

#: Renditions up to this many bytes may be embedded in the event (``EMBED_LIMIT_MAX``, 32 KiB).
EMBED_LIMIT_MAX = 32768


class Rendition:
    """One requested rendition.

    * ``instructions``: the rendition object of the request (custom keys kept; ``target`` normalised,
      ``fmt`` derived from ``type`` when absent); ``original_instructions`` is a frozen copy;
    * ``index``: position in ``renditions``; ``directory``: the output folder;
    * ``name``: ``rendition<index>.<fmt>`` (``rendition<index>`` without fmt); ``path`` = directory/name;
    * ``target``: ``instructions["target"]``: a URL string, a multipart dict, or None.
    """

    def __init__(self, instructions: dict[str, Any], directory: Path, index: int, *, url_alias: bool = False) -> None:
        self.instructions = instructions
        self.original_instructions: dict[str, Any] = copy.deepcopy(instructions)
        self.directory = directory
        self.index = index
        self.url_alias = url_alias
        fmt = instructions.get("fmt")
        self.name = f"rendition{index}.{fmt}" if isinstance(fmt, str) and fmt else f"rendition{index}"
        self.path = directory / self.name
        self.event_sent = False
        self._content_type: Sniffed | None = None

    def __repr__(self) -> str:
        return f"Rendition(index={self.index}, name={self.name!r}, id={self.id()!r})"

    @property
    def target(self) -> str | dict[str, Any] | None:
        """The upload target: URL string, ``{urls, minPartSize, maxPartSize}``, or None."""
        target = self.instructions.get("target")
        return target if isinstance(target, str | dict) else None

    @property
    def fmt(self) -> str | None:
        """The requested format (``instructions["fmt"]``), or None."""
        fmt = self.instructions.get("fmt")
        return fmt if isinstance(fmt, str) and fmt else None

    def id(self) -> str | int:
        """``instructions["name"]`` when set, else the index."""
        name = self.instructions.get("name")
        return name if isinstance(name, str) and name else self.index

    def exists(self) -> bool:
        """True when the callback wrote ``path``."""
        return self.path.is_file()

    def size(self) -> int | None:
        """File size in bytes, or None when the file does not exist."""
        try:
            return self.path.stat().st_size
        except OSError:
            return None

    def sha1(self) -> str | None:
        """Hex SHA-1 of the file; None for an empty or missing file."""
        if not self.size():
            return None
        digest = hashlib.sha1(usedforsecurity=False)
        with self.path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    def sniff(self) -> Sniffed:
        """Detected (or set) type of the file; ``application/octet-stream`` when missing."""
        if self._content_type is None:
            return sniff_file(self.path) if self.exists() else Sniffed(OCTET)
        return self._content_type

    def mime_type(self) -> str:
        """Mime type, e.g. ``image/jpeg``."""
        return self.sniff().mime

    def encoding(self) -> str | None:
        """Text charset (``us-ascii``, ``utf-8``) or None."""
        return self.sniff().encoding

    def content_type(self) -> str:
        """Upload ``Content-Type``: mime plus ``; charset=`` for text."""
        return self.sniff().content_type

    def set_content_type(self, mime: str, encoding: str | None = None) -> None:
        """Override detection (the shell worker's ``typefile``)."""
        current = self.sniff() if self.exists() else Sniffed(mime)
        self._content_type = Sniffed(mime, encoding, current.width, current.height)

    def metadata(self) -> dict[str, Any]:
        """Event metadata: ``repo:size``, ``tiff:imageWidth``/``Height`` (px, images only), ``dc:format``,
        ``repo:encoding`` (text only), ``repo:sha1`` (None for an empty file), in the reference's order."""
        sniffed = self.sniff()
        meta: dict[str, Any] = {"repo:size": self.size() or 0}
        if sniffed.width and sniffed.height:
            meta["tiff:imageWidth"] = sniffed.width
            meta["tiff:imageHeight"] = sniffed.height
        meta["dc:format"] = sniffed.mime
        if sniffed.encoding:
            meta["repo:encoding"] = sniffed.encoding
        meta["repo:sha1"] = self.sha1()
        return meta

    def instructions_for_event(self) -> dict[str, Any]:
        """Instructions as echoed in events: without ``target`` (and without ``url`` when it was the
        target: the reference leaks that presigned URL; this port does not)."""
        out = {k: v for k, v in self.original_instructions.items() if k != "target"}
        if self.url_alias:
            out.pop("url", None)
        return out

    def should_embed(self) -> bool:
        """True when ``embedBinaryLimit`` is an int <= 32768 and the file size is <= it."""
        limit = self.instructions.get("embedBinaryLimit")
        size = self.size()
        if not isinstance(limit, int) or isinstance(limit, bool) or limit > EMBED_LIMIT_MAX:
            return False
        return size is not None and size <= limit

    def as_data_uri(self) -> str:
        """``data:<content type without spaces>;base64,<file>``."""
        return file_as_data_uri(self.path, self.content_type())
