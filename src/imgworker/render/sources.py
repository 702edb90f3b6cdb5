"""Where the renderer reads its sources: an imgix "source" backed by a blob store.

imgix sources are Amazon S3, Azure Blob, Google Cloud Storage, web folders and web proxies
(https://docs.imgix.com/getting-started/setup/creating-sources). Here an :class:`Origin` maps the
decoded URL path to a key of a :class:`~imgworker.storage.BlobStore` (local folder, Azure, S3).
"""

from __future__ import annotations

from dataclasses import dataclass

from imgworker.render.errors import NotFound, PayloadTooLarge
from imgworker.storage import BlobInfo, BlobNotFound, BlobStore, StoreAccessDenied

DEFAULT_MAX_SOURCE_BYTES = 500 * 1024 * 1024  # imgix: 413 above 500 MB


@dataclass(frozen=True)
class SourceBlob:
    """Bytes of a source with the metadata used for ETag/Last-Modified."""

    key: str
    data: bytes
    info: BlobInfo


class Origin:
    """Reads source blobs for URL paths (``/a/b.jpg`` -> key ``a/b.jpg`` under ``prefix``)."""

    def __init__(self, store: BlobStore, *, prefix: str = "", max_bytes: int = DEFAULT_MAX_SOURCE_BYTES):
        self.store = store
        self.prefix = prefix.strip("/")
        self.max_bytes = max_bytes

    def key_for(self, path: str) -> str:
        key = path.lstrip("/")
        return f"{self.prefix}/{key}" if self.prefix else key

    def fetch(self, path: str) -> SourceBlob:
        """The source at a decoded URL path.

        Raises:
            NotFound: no such blob, or the path is not a valid key (404).
            PayloadTooLarge: the blob is above ``max_bytes`` (413).
        """
        key = self.key_for(path)
        try:
            info = self.store.stat(key)
            if info.size > self.max_bytes:
                raise PayloadTooLarge(f"source is {info.size} bytes, above the limit of {self.max_bytes} bytes")
            data = self.store.get(key)
        except (BlobNotFound, ValueError):
            raise NotFound(f"source {path!r} not found") from None
        except StoreAccessDenied:
            raise NotFound(f"source {path!r} is not readable by the renderer") from None
        return SourceBlob(key, data, info)
