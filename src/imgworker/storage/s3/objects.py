"""Object calls of :class:`~imgworker.storage.s3.S3Store`: put, get, stream, stat, exists, delete, list."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError

from imgworker.storage.base import BlobInfo, BlobNotFound, ChunkStream, check_key
from imgworker.storage.s3.client import S3Bucket


class S3Objects(S3Bucket):
    """The :class:`~imgworker.storage.base.BlobStore` calls that need no presigning."""

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo:
        """Upload (replace) an object; file objects are streamed (multipart above 8 MiB by boto3)."""
        check_key(key)
        ctype = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        try:
            if isinstance(data, bytes):
                self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=ctype)
            else:
                self._client.upload_fileobj(data, self.bucket, key, ExtraArgs={"ContentType": ctype})
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key, write=True) from None
        except Exception as exc:  # s3transfer wraps client errors in its own types
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError | BotoCoreError):
                raise self._error(cause, key, write=True) from None
            raise
        return self.stat(key)

    def get(self, key: str) -> bytes:
        """All bytes of the object (S3 "GetObject")."""
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
            with body:
                data: bytes = body.read()
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key) from None
        return data

    def stream(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Chunks of at most ``chunk_size`` bytes; the GetObject request is made on the call."""
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key) from None
        return ChunkStream(self._chunks(body, key, chunk_size), body.close)

    def _chunks(self, body: Any, key: str, chunk_size: int) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(chunk_size)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key) from None

    def stat(self, key: str) -> BlobInfo:
        """Size, ETag (quoted), Last-Modified and Content-Type (S3 "HeadObject")."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=check_key(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key) from None
        return BlobInfo(
            key=key,
            size=int(head["ContentLength"]),
            etag=str(head["ETag"]),
            last_modified=head["LastModified"],
            content_type=head.get("ContentType"),
        )

    def exists(self, key: str) -> bool:
        """True if the object exists (False for an invalid key or a missing bucket)."""
        try:
            self.stat(key)
        except (BlobNotFound, ValueError):
            return False
        return True

    def delete(self, key: str) -> None:
        """Delete the object; a missing object is fine (S3 "DeleteObject")."""
        try:
            self._client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except (ClientError, BotoCoreError) as exc:
            err = self._error(exc, key, write=True)
            if not isinstance(err, BlobNotFound):
                raise err from None

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix`` in UTF-8 binary order (S3 "ListObjectsV2", all pages)."""
        keys: list[str] = []
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(obj["Key"] for obj in page.get("Contents", ()))
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, prefix) from None
        return iter(keys)
