"""Blob calls of :class:`~imgworker.storage.azure.AzureBlobStore`: put, get, stream, stat, exists, delete, list."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import ContentSettings

from imgworker.storage.azure.client import AzureContainer
from imgworker.storage.base import BlobInfo, BlobNotFound, ChunkStream, check_key


class AzureBlobs(AzureContainer):
    """The :class:`~imgworker.storage.base.BlobStore` calls that need no SAS."""

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo:
        """Upload (replace) a block blob; ``content_type`` defaults to a guess from the key's extension."""
        blob = self._container.get_blob_client(check_key(key))
        settings = ContentSettings(content_type=content_type or mimetypes.guess_type(key)[0])
        try:
            blob.upload_blob(data, overwrite=True, content_settings=settings)
        except AzureError as exc:
            raise self._error(exc, key, write=True) from None
        return self.stat(key)

    def get(self, key: str) -> bytes:
        """All bytes of the blob (Azure "Get Blob")."""
        try:
            data: bytes = self._container.get_blob_client(check_key(key)).download_blob().readall()
        except AzureError as exc:
            raise self._error(exc, key) from None
        return data

    def stream(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Chunks of at most ``chunk_size`` bytes; the first range request is made on the call."""
        try:
            downloader = self._container.get_blob_client(check_key(key)).download_blob()
        except AzureError as exc:
            raise self._error(exc, key) from None
        return ChunkStream(self._chunks(downloader.chunks(), key, chunk_size))

    def _chunks(self, chunks: Iterator[bytes], key: str, chunk_size: int) -> Iterator[bytes]:
        try:
            for chunk in chunks:
                for start in range(0, len(chunk), chunk_size):
                    yield chunk[start : start + chunk_size]
        except AzureError as exc:
            raise self._error(exc, key) from None

    def stat(self, key: str) -> BlobInfo:
        """Size, ETag (quoted), Last-Modified and Content-Type (Azure "Get Blob Properties")."""
        try:
            props = self._container.get_blob_client(check_key(key)).get_blob_properties()
        except AzureError as exc:
            raise self._error(exc, key) from None
        return BlobInfo(
            key=key,
            size=int(props.size),
            etag=str(props.etag),
            last_modified=_utc(props.last_modified),
            content_type=props.content_settings.content_type,
        )

    def exists(self, key: str) -> bool:
        """True if the blob exists (False for an invalid key or a missing container)."""
        try:
            check_key(key)
        except ValueError:
            return False
        try:
            return bool(self._container.get_blob_client(key).exists())
        except AzureError as exc:
            err = self._error(exc, key)
            if isinstance(err, BlobNotFound):
                return False
            raise err from None

    def delete(self, key: str) -> None:
        """Delete the blob and its snapshots; a missing blob is fine."""
        try:
            self._container.get_blob_client(check_key(key)).delete_blob(delete_snapshots="include")
        except ResourceNotFoundError:
            pass
        except AzureError as exc:
            raise self._error(exc, key, write=True) from None

    def list(self, prefix: str = "") -> Iterator[str]:
        """Committed blob names starting with ``prefix`` (Azure "List Blobs"; uncommitted blocks never appear)."""
        try:
            names = list(self._container.list_blob_names(name_starts_with=prefix or None))
        except AzureError as exc:
            raise self._error(exc, prefix) from None
        return iter(names)


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.fromtimestamp(0, UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
