"""A local folder as a blob store: the embedded default staging store and renderer origin.

Keys map to files under ``root`` (``a/b.jpg`` -> ``root/a/b.jpg``); an invalid key
(:func:`~imgworker.storage.base.check_key`) or one under the reserved ``.multipart/`` folder raises
:class:`ValueError`. Writes go to a temporary file that is renamed into place, so a reader never
sees a half-written blob. "Presigned" URLs are plain ``file://`` URLs (no expiry, no permission):
the local store is for one machine and trusts its users.

Multipart uploads write part files under ``root/.multipart/<upload_id>/`` (their ``file://`` URLs
are the part URLs); :meth:`LocalFolderStore.complete_multipart_upload` concatenates them into the
blob atomically. Parts are never listed or readable as blobs.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlparse

from imgworker.atomicfile import write_atomic
from imgworker.storage.base import (
    DEFAULT_EXPIRES_IN,
    BlobInfo,
    BlobNotFound,
    ChunkStream,
    MultipartUpload,
    StoreError,
    check_key,
)

MULTIPART_DIR = ".multipart"
"""Reserved top-level folder for pending multipart parts."""

LOCAL_MIN_PART_SIZE = 1
"""Default ``minPartSize`` of local multipart targets, bytes (any part size works on disk)."""

LOCAL_MAX_PART_SIZE = 100 * 1024 * 1024
"""Default ``maxPartSize`` of local multipart targets, bytes (100 MiB, Asset Compute's preferred part size)."""


class LocalFolderStore:
    """Blob store on a folder. ``root`` is created if missing; ``url`` is its ``file://`` URI."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.url = self.root.as_uri()

    def close(self) -> None:
        """Nothing to release (files are opened and closed per call)."""

    def __repr__(self) -> str:
        return f"LocalFolderStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        check_key(key)
        if key.split("/", 1)[0] == MULTIPART_DIR:
            raise ValueError(f"invalid blob key {key!r}: {MULTIPART_DIR}/ is reserved for multipart parts")
        return self.root / key

    def _missing(self, key: str) -> BlobNotFound:
        return BlobNotFound(f"{self.url}: no blob {key!r}")

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo:
        """Write ``data`` to ``root/key`` through a temporary file and a rename. ``content_type`` is not kept."""
        path = self._path(key)
        self._write_atomic(path, [data])
        return self.stat(key)

    @staticmethod
    def _write_atomic(path: Path, pieces: list[bytes | BinaryIO | Path]) -> None:
        write_atomic(path, pieces, prefix=".tmp-")

    def get(self, key: str) -> bytes:
        """All bytes of ``root/key``."""
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise self._missing(key) from None

    def stream(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Chunks of at most ``chunk_size`` bytes; the file is opened (and BlobNotFound raised) on the call."""
        try:
            f = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise self._missing(key) from None
        return ChunkStream(iter(lambda: f.read(chunk_size), b""), f.close)

    def stat(self, key: str) -> BlobInfo:
        """Size and mtime of the file; the ETag is derived from size, mtime and inode."""
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise self._missing(key) from None
        if not path.is_file():
            raise self._missing(key)
        etag = hashlib.md5(f"{st.st_size}-{st.st_mtime_ns}-{st.st_ino}".encode()).hexdigest()
        return BlobInfo(
            key=key,
            size=st.st_size,
            etag=f'"{etag}"',
            last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
            content_type=mimetypes.guess_type(key)[0],
        )

    def exists(self, key: str) -> bool:
        """True if ``root/key`` is a file (False for an invalid key)."""
        try:
            return self._path(key).is_file()
        except ValueError:
            return False

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is fine. Empty parent folders are kept."""
        with contextlib.suppress(IsADirectoryError):
            self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys of regular files under ``root`` starting with ``prefix``, sorted; parts and temp files are skipped."""
        keys = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root)
            if rel.parts[0] == MULTIPART_DIR or path.name.startswith(".tmp-") or not path.is_file():
                continue
            key = rel.as_posix()
            if key.startswith(prefix):
                keys.append(key)
        return iter(sorted(keys))

    def presigned_read_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """``file://`` URL of the blob (``expires_in`` is ignored)."""
        return self._path(key).as_uri()

    def presigned_write_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """``file://`` URL of the blob (``expires_in`` is ignored; writers should write then rename)."""
        return self._path(key).as_uri()

    # -- multipart -------------------------------------------------------------------------------

    def presigned_multipart_upload(
        self,
        key: str,
        part_count: int,
        expires_in: int = DEFAULT_EXPIRES_IN,
        *,
        min_part_size: int | None = None,
        max_part_size: int | None = None,
        content_type: str | None = None,
    ) -> MultipartUpload:
        """``part_count`` ``file://`` part URLs under ``root/.multipart/<id>/`` (``00001.part`` ...)."""
        self._path(key)
        _check_part_count(part_count)
        upload_id = uuid.uuid4().hex
        parts = self.root / MULTIPART_DIR / upload_id
        parts.mkdir(parents=True)
        (parts / "key").write_text(key, encoding="utf-8")
        urls = tuple((parts / f"{n:05d}.part").as_uri() for n in range(1, part_count + 1))
        return MultipartUpload(
            store_url=self.url,
            key=key,
            upload_id=upload_id,
            urls=urls,
            min_part_size=LOCAL_MIN_PART_SIZE if min_part_size is None else min_part_size,
            max_part_size=LOCAL_MAX_PART_SIZE if max_part_size is None else max_part_size,
        )

    def complete_multipart_upload(self, upload: MultipartUpload, *, content_type: str | None = None) -> BlobInfo:
        """Concatenate the uploaded part files (contiguous from part 1) into the blob, then drop the parts."""
        path = self._path(upload.key)
        part_files = [Path(unquote(urlparse(u).path)) for u in upload.urls]
        present = [p.is_file() for p in part_files]
        count = present.index(False) if False in present else len(present)
        if any(present[count:]):
            raise StoreError(f"{self.url}: multipart upload of {upload.key!r} has a gap after part {count}")
        if count == 0:
            if path.is_file():
                return self.stat(upload.key)
            raise BlobNotFound(f"{self.url}: no part was uploaded for {upload.key!r}")
        self._write_atomic(path, list(part_files[:count]))
        self.abort_multipart_upload(upload)
        return self.stat(upload.key)

    def abort_multipart_upload(self, upload: MultipartUpload) -> None:
        """Remove the parts folder of ``upload``."""
        if upload.upload_id and "/" not in upload.upload_id and upload.upload_id not in (".", ".."):
            shutil.rmtree(self.root / MULTIPART_DIR / upload.upload_id, ignore_errors=True)


def _check_part_count(part_count: int) -> None:
    if not 1 <= part_count <= 10_000:
        raise ValueError(f"Expected 1..10000 for `part_count` but received {part_count!r}")
