"""The ``source`` object handed to rendition callbacks (asset-compute-pipeline ``lib/asset.js``,
``lib/storage/index.js``; spec section 2)."""

from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from imgworker.asset_compute.datauri import is_data_uri
from imgworker.asset_compute.params import MIME_FMT, SourceSpec


@dataclass
class Source:
    """The downloaded source.

    * ``url``: the request's source URL (``https:``, ``data:``, or the file name in test mode);
    * ``name``: the local file name, ``source<ext>`` (ext from ``source.name``, else from the URL path,
      else from the mime type; ``source`` for data URIs; the file name itself in test mode);
    * ``path``: the local file (absent when the worker has ``disable_source_download``);
    * ``mimetype`` (also ``type``) and ``size`` (bytes) as sent by the client, else None; after the
      download ``size`` is the file's size;
    * ``headers``: the request headers used for the download; ``params``: the raw source object.
    """

    url: str
    name: str
    path: Path
    mimetype: str | None = None
    size: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str | None:
        """Alias of ``mimetype`` (the SDK's ``source.type``)."""
        return self.mimetype

    @property
    def extension(self) -> str:
        """Text after the last ``.`` of ``name`` without the dot, or ``""`` (the reference returned the
        whole path when there was no dot)."""
        _, dot, ext = self.name.rpartition(".")
        return ext if dot else ""

    def exists(self) -> bool:
        """True when the local file exists."""
        return self.path.is_file()


def _ext_of(name: str) -> str:
    base = posixpath.basename(name)
    _, dot, ext = base.rpartition(".")
    return f".{ext}" if dot and ext and "/" not in ext else ""


def local_name(spec: SourceSpec) -> str:
    """Local file name for ``spec``: ``source`` plus the extension (spec section 2, "Local file name")."""
    if is_data_uri(spec.url):
        return "source"
    if spec.name and (ext := _ext_of(spec.name)):
        return f"source{ext}"
    try:
        path = unquote(urlsplit(spec.url).path)
    except ValueError:
        path = ""
    if ext := _ext_of(path):
        return f"source{ext}"
    if spec.mimetype:
        base = spec.mimetype.split(";")[0].strip().lower()
        guessed = MIME_FMT.get(base) or (mimetypes.guess_extension(base) or "").lstrip(".")
        if guessed:
            return f"source.{guessed}"
    return "source"


def make_source(spec: SourceSpec, in_dir: Path, *, test_mode: bool = False) -> Source:
    """The :class:`Source` for ``spec`` with its file in ``in_dir`` (not yet downloaded)."""
    name = posixpath.basename(spec.url) if test_mode else local_name(spec)
    raw = spec.model_dump(exclude_none=True)
    return Source(
        url=spec.url,
        name=name,
        path=in_dir / name,
        mimetype=spec.mimetype,
        size=spec.size,
        headers=dict(spec.headers or {}),
        params=raw,
    )
