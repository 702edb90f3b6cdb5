"""A local folder as a blob store: the embedded default staging store and renderer origin.

Keys map to files under ``root`` (``a/b.jpg`` -> ``root/a/b.jpg``); a key that would escape the root
(``..``, absolute) raises :class:`ValueError`. Writes go to a temporary file that is renamed into
place, so a reader never sees a half-written blob. "Presigned" URLs are plain ``file://`` URLs.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from imgworker.storage.base import BlobInfo, BlobNotFound


class LocalFolderStore:
    """Blob store on a folder. ``root`` is created if missing."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in key.split("/")):
            raise ValueError(f"invalid blob key {key!r}: expected a relative '/'-separated path")
        return self.root / key

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                if isinstance(data, bytes):
                    f.write(data)
                else:
                    shutil.copyfileobj(data, f, 1 << 20)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.stat(key)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFound(f"{self.url}: no blob {key!r}") from None

    def stream(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        try:
            f = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFound(f"{self.url}: no blob {key!r}") from None
        with f:
            while chunk := f.read(chunk_size):
                yield chunk

    def stat(self, key: str) -> BlobInfo:
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise BlobNotFound(f"{self.url}: no blob {key!r}") from None
        if not path.is_file():
            raise BlobNotFound(f"{self.url}: no blob {key!r}")
        etag = hashlib.md5(f"{st.st_size}-{st.st_mtime_ns}-{st.st_ino}".encode()).hexdigest()
        return BlobInfo(
            key=key,
            size=st.st_size,
            etag=f'"{etag}"',
            last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
            content_type=mimetypes.guess_type(key)[0],
        )

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except ValueError:
            return False

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def presigned_read_url(self, key: str, expires_in: int = 3600) -> str:
        return self._path(key).as_uri()

    def presigned_write_url(self, key: str, expires_in: int = 3600) -> str:
        return self._path(key).as_uri()
