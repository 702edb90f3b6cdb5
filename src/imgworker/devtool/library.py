"""The devtool's files: the source library (uploads + examples) and the job output folders.

Layout under ``ServiceSettings.data_dir``::

    uploads/<name>                 sources uploaded through the page or ``POST /api/sources``
    outputs/<job id>/<n>-<name>    renditions written by a job (``n`` = rendition index)

Source names are plain file names (``chelsea.png``): letters, digits, ``.``, ``-``, ``_``; anything
else is replaced by ``_``. An upload replaces an earlier upload of the same name. Example sources
(``IMGWORKER_EXAMPLES_DIR``) are listed after uploads and never written.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgworker.render import vips
from imgworker.render.errors import RenderError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
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
        return {"name": self.name, "origin": self.origin, "size": self.size, "format": self.format,
                "width": self.width, "height": self.height, "url": f"/api/sources/{self.name}"}  # fmt: skip


def safe_name(name: str) -> str:
    """A file name reduced to ``[A-Za-z0-9._-]`` (no folders, not hidden).

    Raises:
        LibraryError: the name is empty after cleaning.
    """
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".")
    if not base:
        raise LibraryError(f"Expected a file name but received {name!r}")
    return base[:120]


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
            if folder and clean == name and (folder / clean).is_file():
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
            raise LibraryError(f"upload is {len(data)} bytes, above the limit of {self.max_upload_bytes} bytes", 413)
        if not data:
            raise LibraryError("upload is empty (0 bytes)")
        clean = safe_name(name)
        tmp = self.uploads_dir / f".part-{uuid.uuid4().hex}"
        tmp.write_bytes(data)
        tmp.replace(self.uploads_dir / clean)
        return describe(self.uploads_dir / clean, clean, "upload")


class Outputs:
    """Job output folders ``<root>/<job id>/``; only the newest ``keep`` folders are kept."""

    def __init__(self, root: Path, keep: int) -> None:
        self.root = root
        self.keep = keep
        root.mkdir(parents=True, exist_ok=True)

    def new_job(self) -> tuple[str, Path]:
        """A fresh job id (32 hex digits) and its empty folder; prunes old folders first."""
        self.prune(self.keep - 1)
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        folder.mkdir(parents=True)
        return job_id, folder

    def prune(self, keep: int) -> None:
        folders = sorted((p for p in self.root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for old in folders[: max(0, len(folders) - keep)]:
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
