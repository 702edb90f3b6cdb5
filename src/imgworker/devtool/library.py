"""The devtool's files: the source library (uploads + examples) and the job output folders.

Layout under ``ServiceSettings.data_dir``::

    uploads/<name>                 sources uploaded through the page or ``POST /api/sources``
    outputs/<job id>/<n>-<name>    renditions written by a job (``n`` = rendition index)

Source names are plain file names (``chelsea.png``, ``кошка.png``): see :func:`safe_name`. An upload
replaces an earlier upload of the same name. Example sources (``IMGWORKER_EXAMPLES_DIR``) are listed
after uploads and never written.

Output folders are pruned when a new job is prepared (:meth:`Outputs.new_job`): the folders of
queued and running jobs are never removed, only those of finished jobs beyond the keep count.
"""

from __future__ import annotations

import itertools
import re
import shutil
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from imgworker.render import vips
from imgworker.render.errors import RenderError

MAX_NAME_CHARS = 120
"""Longest name :func:`safe_name` returns, in characters."""
MAX_NAME_BYTES = 200
"""Longest name :func:`safe_name` returns, in UTF-8 bytes (file systems allow 255; outputs add ``<n>-``)."""
_MAX_EXT = 16
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
         "heif": "image/avif", "tiff": "image/tiff", "svg": "image/svg+xml", "jxl": "image/jxl",
         "pdf": "application/pdf"}  # fmt: skip


class LibraryError(ValueError):
    """A name or upload the library refuses; ``status`` is the HTTP status to answer (400, 404, 413)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SourceFile:
    """A source of the library: ``origin`` is ``upload`` or ``example``; ``width``/``height`` in px."""

    name: str
    path: Path
    origin: str
    size: int
    format: str = ""
    width: int = 0
    height: int = 0

    def to_json(self) -> dict[str, Any]:
        """The API's description of the source (``url`` percent-encoded)."""
        return {"name": self.name, "origin": self.origin, "size": self.size, "format": self.format,
                "width": self.width, "height": self.height, "url": f"/api/sources/{quote(self.name)}"}  # fmt: skip


def format_bytes(size: int) -> str:
    """``1 MiB``, ``512 KiB`` or ``1000 bytes``: a limit as people read it (exact, never rounded)."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def _kept(char: str) -> bool:
    """Letters, digits and combining marks of any script, and ``.``, ``-``, ``_``."""
    return char in "._-" or unicodedata.category(char)[0] in "LNM"


def _fit(text: str, chars: int, size: int) -> str:
    while len(text) > chars or len(text.encode("utf-8")) > size:
        text = text[: min(chars, len(text) - 1)]
    return text


def safe_name(name: str) -> str:
    """A readable file name that is safe on disk and in a URL path.

    The name is NFKC-normalised (composed accents, full-width forms folded), its folder part dropped
    (``/`` and ``\\``), and every run of other characters than letters, digits, combining marks (any
    script), ``.``, ``-`` and ``_`` replaced by one ``_`` (spaces, control and bidi characters,
    punctuation, emoji). Leading dots go (not hidden). A name longer than :data:`MAX_NAME_CHARS`
    characters or :data:`MAX_NAME_BYTES` bytes is cut before its extension, which is kept. The result
    is stable: ``safe_name(safe_name(x)) == safe_name(x)``.

    Raises:
        LibraryError: the name is empty after cleaning.
    """
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(text if keep else "_" for keep, run in itertools.groupby(base, _kept)
                   for text in ["".join(run)]).lstrip(".")  # fmt: skip
    if not base:
        raise LibraryError(f"Expected a file name but received {name!r}")
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXT:
        return _fit(base, MAX_NAME_CHARS, MAX_NAME_BYTES)
    suffix = f".{ext}"
    return _fit(stem, MAX_NAME_CHARS - len(suffix), MAX_NAME_BYTES - len(suffix.encode("utf-8"))) + suffix


def describe(path: Path, name: str, origin: str) -> SourceFile:
    """Size and, when the header is readable, format and upright dimensions of a file."""
    size = path.stat().st_size
    try:
        info = vips.probe(path.read_bytes())
    except RenderError:
        return SourceFile(name, path, origin, size)
    width, height = info.upright_size
    return SourceFile(name, path, origin, size, _MIME.get(info.format, info.format), width, height)


class Library:
    """Sources in ``uploads_dir`` (writable) and ``examples_dir`` (read-only, optional)."""

    def __init__(self, uploads_dir: Path, examples_dir: Path | None, max_upload_bytes: int) -> None:
        self.uploads_dir = uploads_dir
        self.examples_dir = examples_dir if examples_dir and examples_dir.is_dir() else None
        self.max_upload_bytes = max_upload_bytes
        uploads_dir.mkdir(parents=True, exist_ok=True)

    def list(self) -> list[SourceFile]:
        """Uploads (newest first), then examples (by name)."""
        uploads = sorted(
            (p for p in self.uploads_dir.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        out = [describe(p, p.name, "upload") for p in uploads]
        seen = {s.name for s in out}
        if self.examples_dir:
            for p in sorted(self.examples_dir.iterdir()):
                if p.is_file() and not p.name.startswith(".") and p.name not in seen:
                    out.append(describe(p, p.name, "example"))
        return out

    def find(self, name: str) -> Path:
        """The file of a source name (uploads first).

        Raises:
            LibraryError: 404 when no upload or example has that name.
        """
        clean = safe_name(name)
        for folder in (self.uploads_dir, self.examples_dir):
            if folder and clean == unicodedata.normalize("NFKC", name) and (folder / clean).is_file():
                return folder / clean
        raise LibraryError(
            f"source {name!r} is not in the library: upload it first, pick one from GET /api/sources, "
            "or give an http(s) URL",
            404,
        )

    def save(self, name: str, data: bytes) -> SourceFile:
        """Store an upload (replacing one of the same name).

        Raises:
            LibraryError: 413 above ``max_upload_bytes``; 400 for an empty file or a bad name.
        """
        if len(data) > self.max_upload_bytes:
            limit = format_bytes(self.max_upload_bytes)
            raise LibraryError(f"the upload is larger than the {limit} limit (IMGWORKER_MAX_UPLOAD_BYTES)", 413)
        if not data:
            raise LibraryError("upload is empty (0 bytes)")
        clean = safe_name(name)
        tmp = self.uploads_dir / f".part-{uuid.uuid4().hex}"
        tmp.write_bytes(data)
        tmp.replace(self.uploads_dir / clean)
        return describe(self.uploads_dir / clean, clean, "upload")


class Outputs:
    """Job output folders ``<root>/<job id>/``: those of the newest ``keep`` jobs are kept.

    A job is *active* (queued or running) from :meth:`new_job` until :meth:`finish`; an active job's
    folder is never removed, so more than ``keep`` folders exist while more than ``keep`` jobs are
    queued or running. Folders left by an earlier process count as finished. Thread-safe.
    """

    def __init__(self, root: Path, keep: int) -> None:
        self.root = root
        self.keep = keep
        self._active: set[str] = set()
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def new_job(self) -> tuple[str, Path]:
        """A fresh active job id (32 hex digits) and its empty folder; first removes the folders of
        the oldest finished jobs so that, with the new one, at most ``keep`` remain (:meth:`prune`)."""
        with self._lock:
            self._prune(self.keep - 1)
            job_id = uuid.uuid4().hex
            folder = self.root / job_id
            folder.mkdir(parents=True)
            self._active.add(job_id)
        return job_id, folder

    def finish(self, job_id: str) -> None:
        """Mark a job finished (done, failed or abandoned): its folder may now be pruned."""
        with self._lock:
            self._active.discard(job_id)

    def prune(self, keep: int) -> None:
        """Remove the oldest (by modification time) folders of finished jobs until at most ``keep``
        folders remain, or only active ones are left beyond it."""
        with self._lock:
            self._prune(keep)

    def _prune(self, keep: int) -> None:
        folders = [p for p in self.root.iterdir() if p.is_dir()]
        finished = sorted((p for p in folders if p.name not in self._active), key=_mtime)
        for old in finished[: max(0, len(folders) - keep)]:
            shutil.rmtree(old, ignore_errors=True)

    def file(self, job_id: str, name: str) -> Path:
        """The path of an output file.

        Raises:
            LibraryError: 404 for an unknown job or file, or a name with a folder in it.
        """
        if not _JOB_ID.match(job_id) or name != safe_name(name):
            raise LibraryError(f"no output {job_id}/{name}", 404)
        path = self.root / job_id / name
        if not path.is_file():
            raise LibraryError(f"no output {job_id}/{name} (outputs are kept for the last {self.keep} jobs)", 404)
        return path


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile (by hand): first in line anyway
        return 0.0
