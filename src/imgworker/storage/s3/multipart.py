"""Multipart targets of :class:`~imgworker.storage.s3.S3Store`: presigned UploadPart URLs.

S3 "Uploading and copying objects using multipart upload": parts of 5 MiB to 5 GiB, the last may be
smaller; up to 10,000 parts; the upload is completed with the parts' ETags, which
:meth:`S3Multipart.complete_multipart_upload` lists with the bucket credentials, as AEM's Oak
``S3Backend`` does. Uncompleted parts are not an object: they are never listed or readable.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from imgworker.storage.base import DEFAULT_EXPIRES_IN, BlobInfo, BlobNotFound, MultipartUpload, StoreError, check_key
from imgworker.storage.s3.objects import S3Objects
from imgworker.storage.s3.presign import S3Presign

S3_MIN_PART_SIZE = 5 * 1024 * 1024
"""Default (and S3's minimum) ``minPartSize`` of S3 multipart targets, bytes (5 MiB; the last part may be smaller)."""

S3_MAX_PART_SIZE = 100 * 1024 * 1024
"""Default ``maxPartSize`` of S3 multipart targets, bytes (100 MiB; S3 allows 5 GiB)."""

S3_MAX_PARTS = 10_000
"""Most parts in one S3 multipart upload."""


class S3Multipart(S3Objects, S3Presign):
    """The :class:`~imgworker.storage.base.MultipartStore` calls: create, complete, abort."""

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
        """CreateMultipartUpload, then one presigned UploadPart URL per part (1..10000).

        ``content_type`` (default: guessed from the key) is fixed here: S3 cannot change it at completion.
        """
        check_key(key)
        if not 1 <= part_count <= S3_MAX_PARTS:
            raise ValueError(f"Expected 1..{S3_MAX_PARTS} for `part_count` but received {part_count!r}")
        ctype = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        try:
            upload_id = self._client.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=ctype)["UploadId"]
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key, write=True) from None
        params = {"Bucket": self.bucket, "Key": key, "UploadId": upload_id}
        urls = tuple(
            self._presign("upload_part", {**params, "PartNumber": n}, expires_in) for n in range(1, part_count + 1)
        )
        return MultipartUpload(
            store_url=self.url,
            key=key,
            upload_id=str(upload_id),
            urls=urls,
            min_part_size=S3_MIN_PART_SIZE if min_part_size is None else min_part_size,
            max_part_size=S3_MAX_PART_SIZE if max_part_size is None else max_part_size,
        )

    def complete_multipart_upload(self, upload: MultipartUpload, *, content_type: str | None = None) -> BlobInfo:
        """ListParts, then CompleteMultipartUpload with parts 1..n (must be contiguous).

        ``content_type`` is ignored (set at :meth:`presigned_multipart_upload`).
        """
        key = check_key(upload.key)
        params = {"Bucket": self.bucket, "Key": key, "UploadId": upload.upload_id}
        parts: list[dict[str, Any]] = []
        try:
            for page in self._client.get_paginator("list_parts").paginate(**params):
                parts.extend({"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in page.get("Parts", ()))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise self._error(exc, key) from None
            try:  # completed (or aborted) already
                return self.stat(key)
            except BlobNotFound:
                raise BlobNotFound(f"{self.url}: no multipart upload {upload.upload_id!r} for {key!r}") from None
        except BotoCoreError as exc:
            raise self._error(exc, key) from None
        parts.sort(key=lambda p: int(p["PartNumber"]))
        if not parts:
            raise BlobNotFound(f"{self.url}: no part was uploaded for {key!r}")
        if [p["PartNumber"] for p in parts] != list(range(1, len(parts) + 1)):
            raise StoreError(f"{self.url}: multipart upload of {key!r} is not contiguous from part 1; not completed")
        try:
            self._client.complete_multipart_upload(**params, MultipartUpload={"Parts": parts})
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, key, write=True) from None
        return self.stat(key)

    def abort_multipart_upload(self, upload: MultipartUpload) -> None:
        """AbortMultipartUpload: uploaded parts are freed; an unknown or completed upload is fine."""
        try:
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=check_key(upload.key), UploadId=upload.upload_id
            )
        except (ClientError, BotoCoreError) as exc:
            err = self._error(exc, upload.key, write=True)
            if not isinstance(err, BlobNotFound):
                raise err from None
