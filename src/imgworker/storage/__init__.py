"""Blob stores behind one Protocol: local folder (default), Azure Blob, S3.

:func:`open_store` picks a backend from a URL: ``file:///dir`` or a plain path, ``azure://container``,
``s3://bucket``.
"""

from __future__ import annotations

from imgworker.storage.base import BlobInfo, BlobNotFound, BlobStore, StoreAccessDenied, StoreError
from imgworker.storage.local import LocalFolderStore


def open_store(url: str) -> BlobStore:
    """Open a store by URL. Only local folders for now; Azure and S3 come with their backends.

    Raises:
        ValueError: an unknown scheme.
    """
    if url.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return LocalFolderStore(unquote(urlparse(url).path))
    if "://" not in url:
        return LocalFolderStore(url)
    raise ValueError(f"unsupported store URL {url!r}: expected file:///dir, azure://container or s3://bucket")


__all__ = ["BlobInfo", "BlobNotFound", "BlobStore", "LocalFolderStore", "StoreAccessDenied", "StoreError", "open_store"]
