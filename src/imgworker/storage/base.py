"""The blob-store Protocol shared by the staging step, the renderer's origins and the targets.

One interface, three backends: a local folder (the embedded default,
:class:`~imgworker.storage.local.LocalFolderStore`), Azure Blob (``azure-storage-blob``) and S3
(``boto3``). Keys are ``/``-separated strings without a leading slash; any UTF-8 is allowed
(field case A19: spaces, ``%``, ``+``, ``#``, non-Latin scripts).

Exceptions::

    StoreError            base; ``str()`` names the store and the key
    ├── BlobNotFound      the key does not exist
    └── StoreAccessDenied credentials or a presigned URL were refused (401/403)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable


class StoreError(Exception):
    """A blob-store operation failed."""


class BlobNotFound(StoreError, KeyError):
    """The key does not exist in the store."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "blob not found"


class StoreAccessDenied(StoreError):
    """The store refused the credentials or the presigned URL (HTTP 401/403)."""


@dataclass(frozen=True)
class BlobInfo:
    """Metadata of one blob: ``size`` in bytes, ``etag`` (quoted or not, opaque), ``last_modified`` UTC."""

    key: str
    size: int
    etag: str
    last_modified: datetime
    content_type: str | None = None


@runtime_checkable
class BlobStore(Protocol):
    """A flat key -> bytes store.

    ``url`` names the store (``file:///abs/dir``, ``azure://container``, ``s3://bucket``).
    ``presigned_*_url`` return URLs that a plain HTTP client (or, for the local store, a
    ``file://`` reader) can use without credentials for ``expires_in`` seconds.
    """

    url: str

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo: ...

    def get(self, key: str) -> bytes: ...

    def stream(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]: ...

    def stat(self, key: str) -> BlobInfo: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def presigned_read_url(self, key: str, expires_in: int = 3600) -> str: ...

    def presigned_write_url(self, key: str, expires_in: int = 3600) -> str: ...
