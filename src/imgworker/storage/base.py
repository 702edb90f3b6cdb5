"""The blob-store Protocols shared by the staging step, the renderer's origins and the targets.

One interface, three backends: a local folder (the embedded default,
:class:`~imgworker.storage.local.LocalFolderStore`), Azure Blob
(:class:`~imgworker.storage.azure.AzureBlobStore`, ``azure-storage-blob``) and S3
(:class:`~imgworker.storage.s3.S3Store`, ``boto3``).

Keys are ``/``-separated strings without a leading slash; any UTF-8 is allowed (field case A19:
spaces, ``%``, ``+``, ``#``, ``?``, non-Latin scripts, NFD). Keys are stored exactly as given: no
Unicode normalisation, no percent-decoding. :func:`check_key` rejects the few keys that cannot
mean the same thing on every backend (empty, absolute, ``\\``, empty/``.``/``..`` segments,
control characters, over 1024 bytes).

Exceptions::

    StoreError            base; ``str()`` names the store and the key
    ├── BlobNotFound      the key (or its container/bucket) does not exist (HTTP 404)
    └── StoreAccessDenied credentials or a presigned URL were refused (HTTP 401/403)

An invalid key raises :class:`ValueError` (a programming or input error, not a store failure).

Two Protocols:

* :class:`BlobStore`: what readers and the staging step need (put, get, stream, stat, exists,
  delete, list, presigned read/write URLs).
* :class:`MultipartStore`: a :class:`BlobStore` that can also hand out AEM-style multipart
  targets ``{urls, minPartSize, maxPartSize}`` and complete them the way AEM does
  (``completeBinaryUpload``). All three backends implement it; see ``docs/storage.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Protocol, runtime_checkable

MAX_KEY_BYTES = 1024
"""Longest key in UTF-8 bytes (Azure's blob-name limit; S3 allows 1024 as well)."""

DEFAULT_EXPIRES_IN = 3600
"""Default lifetime of presigned URLs, in seconds (1 h)."""


class StoreError(Exception):
    """A blob-store operation failed."""


class BlobNotFound(StoreError, KeyError):
    """The key does not exist in the store."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "blob not found"


class StoreAccessDenied(StoreError):
    """The store refused the credentials or the presigned URL (HTTP 401/403)."""


def check_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid blob key, else raise :class:`ValueError`.

    Valid: non-empty, at most :data:`MAX_KEY_BYTES` UTF-8 bytes, no leading ``/``, no ``\\``, no
    empty, ``.`` or ``..`` segment, no control character (U+0000-U+001F, U+007F). Everything else
    (spaces, ``%``, ``+``, ``#``, ``?``, any script, NFD) is allowed and kept byte for byte.
    """
    if (
        not isinstance(key, str)
        or not key
        or key.startswith("/")
        or "\\" in key
        or any(p in ("", ".", "..") for p in key.split("/"))
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key)
        or len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES
    ):
        raise ValueError(
            f"invalid blob key {key!r}: expected a relative '/'-separated path of at most "
            f"{MAX_KEY_BYTES} UTF-8 bytes, without empty, '.' or '..' segments"
        )
    return key


class ChunkStream(Iterator[bytes]):
    """What ``stream()`` returns: an iterator of ``bytes`` chunks that releases its file or HTTP response
    when exhausted, on an error, on :meth:`close` (also as a context manager), or when collected."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None] | None = None) -> None:
        self._chunks = chunks
        self._close = close

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the underlying resource (idempotent)."""
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


@dataclass(frozen=True)
class BlobInfo:
    """Metadata of one blob: ``size`` in bytes, ``etag`` (quoted or not, opaque), ``last_modified`` UTC."""

    key: str
    size: int
    etag: str
    last_modified: datetime
    content_type: str | None = None


@dataclass(frozen=True)
class MultipartUpload:
    """A pending multipart write to ``key``: the part URLs in order and what completing needs.

    ``urls[k]`` receives part ``k`` (0-based) with a plain HTTP ``PUT`` (no extra header on Azure or
    S3). ``min_part_size``/``max_part_size`` are bytes. ``upload_id`` is opaque: the S3 UploadId, a
    random id on Azure (block ids are in the URLs), the parts folder on a local store.
    ``store_url`` names the store that issued it (``azure://renditions``).

    :meth:`as_target` gives the Asset Compute / AEM direct-binary-upload target object.
    """

    store_url: str
    key: str
    upload_id: str
    urls: tuple[str, ...]
    min_part_size: int
    max_part_size: int

    def as_target(self) -> dict[str, Any]:
        """``{"urls": [...], "minPartSize": int, "maxPartSize": int}`` (Asset Compute ``target``)."""
        return {"urls": list(self.urls), "minPartSize": self.min_part_size, "maxPartSize": self.max_part_size}


@runtime_checkable
class BlobStore(Protocol):
    """A flat key -> bytes store.

    ``url`` names the store (``file:///abs/dir``, ``azure://container``, ``s3://bucket``).
    ``presigned_*_url`` return URLs that a plain HTTP client (or, for the local store, a
    ``file://`` reader) can use without credentials for ``expires_in`` seconds.

    Every method raises :class:`ValueError` for an invalid key (:func:`check_key`),
    :class:`BlobNotFound` for a missing blob where one is needed, :class:`StoreAccessDenied` on
    401/403 and :class:`StoreError` for any other failure.
    """

    url: str

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo:
        """Write (replace) a blob atomically; readers never see a partial blob."""
        ...

    def close(self) -> None:
        """Release the client's connections (cloud stores; nothing for the local one). Idempotent."""
        ...

    def get(self, key: str) -> bytes:
        """All bytes of a blob."""
        ...

    def stream(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The blob in chunks of at most ``chunk_size`` bytes (BlobNotFound is raised on the call).

        Backends return a :class:`ChunkStream`: iterate it to the end or ``close()`` it (or use it
        as a context manager) to release the file or connection early.
        """
        ...

    def stat(self, key: str) -> BlobInfo:
        """Size, ETag, last-modified and content type of a blob."""
        ...

    def exists(self, key: str) -> bool:
        """True if the blob exists (False for an invalid key)."""
        ...

    def delete(self, key: str) -> None:
        """Delete a blob; deleting a missing blob is not an error."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix`` (plain string prefix), in lexicographic order."""
        ...

    def presigned_read_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """A URL that GETs the blob without credentials."""
        ...

    def presigned_write_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """A URL that PUTs the whole blob in one request (Azure needs ``x-ms-blob-type: BlockBlob``)."""
        ...


@runtime_checkable
class MultipartStore(BlobStore, Protocol):
    """A :class:`BlobStore` that issues and completes AEM-style multipart uploads.

    The issuing side plays AEM/Oak (``initiateBinaryUpload`` / ``completeBinaryUpload``); the worker
    only PUTs parts to the URLs. Uploaded parts are invisible (not listed, not readable) until
    :meth:`complete_multipart_upload`, so a failed rendition leaves nothing in the container.
    """

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
        """Start a multipart upload of at most ``part_count`` parts (1..10000) to ``key``."""
        ...

    def complete_multipart_upload(self, upload: MultipartUpload, *, content_type: str | None = None) -> BlobInfo:
        """Commit the uploaded parts (a contiguous run from the first URL) as the blob.

        Idempotent: when the blob was already committed (for example by the worker's
        :func:`~imgworker.storage.multipart.commit_multipart`) it returns its info.

        Raises:
            BlobNotFound: no part was uploaded and the blob does not exist.
            StoreError: the uploaded parts are not contiguous from the first URL.
        """
        ...

    def abort_multipart_upload(self, upload: MultipartUpload) -> None:
        """Discard uploaded, uncommitted parts (best effort; never touches a committed blob)."""
        ...
