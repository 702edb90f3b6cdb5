"""Amazon S3 (and S3-compatible stores: moto server, MinIO, R2 ...) as a blob store, through ``boto3``.

One :class:`S3Store` is one bucket. Credentials are passed explicitly (from
:class:`imgworker.config.Settings`: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN``) or, when omitted, found by boto3's default chain. ``endpoint_url``
(``S3_ENDPOINT_URL``) points at an S3-compatible server and switches to path-style addressing
(``http://127.0.0.1:5000/<bucket>/<key>``), which moto and MinIO need.

Presigned URLs are SigV4 query-string URLs (boto3 ``generate_presigned_url``): ``get_object``,
``put_object`` (any ``Content-Type`` may be sent; only ``host`` is signed) and ``upload_part`` for
multipart targets (S3 "Uploading and copying objects using multipart upload": parts of 5 MiB to
5 GiB, the last may be smaller; up to 10,000 parts; the upload is completed with the parts' ETags,
which :meth:`S3Store.complete_multipart_upload` lists with the bucket credentials, as AEM's Oak
``S3Backend`` does). Uncompleted parts are not an object: they are never listed or readable.

Note that moto accepts expired or tampered presigned URLs (runtime-and-scale.md section 3.2):
negative auth tests run against Azurite.

Errors: 401/403 and missing credentials -> :class:`StoreAccessDenied`, 404 -> :class:`BlobNotFound`
(a missing bucket on a write -> :class:`StoreError`), anything else -> :class:`StoreError`.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

from imgworker.storage.base import (
    DEFAULT_EXPIRES_IN,
    BlobInfo,
    BlobNotFound,
    ChunkStream,
    MultipartUpload,
    StoreAccessDenied,
    StoreError,
    check_key,
)

S3_MIN_PART_SIZE = 5 * 1024 * 1024
"""Default (and S3's minimum) ``minPartSize`` of S3 multipart targets, bytes (5 MiB; the last part may be smaller)."""

S3_MAX_PART_SIZE = 100 * 1024 * 1024
"""Default ``maxPartSize`` of S3 multipart targets, bytes (100 MiB; S3 allows 5 GiB)."""

S3_MAX_PARTS = 10_000
"""Most parts in one S3 multipart upload."""

S3_MAX_EXPIRES_IN = 7 * 24 * 3600
"""Longest SigV4 presigned URL lifetime, seconds (7 days)."""

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_DENIED = {
    "AccessDenied",
    "AllAccessDisabled",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
}
_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


class S3Store:
    """Blob store on one S3 bucket (``url = "s3://<bucket>"``).

    Args:
        bucket: bucket name (3-63 of ``a-z 0-9 . -``); not created here: see :meth:`create`.
        endpoint_url: ``None`` for AWS, or an S3-compatible endpoint (``http://127.0.0.1:5000``).
        region: AWS region (default ``us-east-1``).
        access_key_id, secret_access_key, session_token: explicit credentials; ``None`` uses
            boto3's default chain.
        addressing_style: ``"path"`` or ``"virtual"``; default ``"path"`` with an ``endpoint_url``,
            boto3's choice otherwise.

    Raises:
        ValueError: an invalid bucket name.
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        addressing_style: str | None = None,
    ) -> None:
        if not _BUCKET_RE.match(bucket) or ".." in bucket:
            raise ValueError(f"Expected 3-63 of a-z, 0-9, '.', '-' for the S3 bucket name but received {bucket!r}")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.url = f"s3://{bucket}"
        style = addressing_style or ("path" if endpoint_url else "auto")
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            region_name=region,
        )
        self._client: Any = session.client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": style},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
            ),
        )

    def __repr__(self) -> str:
        return f"S3Store({self.bucket!r}, endpoint_url={self.endpoint_url!r}, region={self.region!r})"

    # -- errors ----------------------------------------------------------------------------------

    def _error(self, exc: Exception, key: str | None, *, write: bool = False) -> StoreError:
        what = f"{self.url}: blob {key!r}" if key is not None else self.url
        where = self.endpoint_url or "AWS"
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return StoreAccessDenied(f"{what}: no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status in (401, 403) or code in _DENIED:
                return StoreAccessDenied(f"{what}: access denied ({code or status}) on {where}")
            if code == "NoSuchBucket":
                msg = f"{self.url}: bucket {self.bucket!r} does not exist on {where}"
                return StoreError(msg) if write else BlobNotFound(f"{msg} (looking for {key!r})")
            if status == 404 or code in _NOT_FOUND:
                return BlobNotFound(f"{self.url}: no blob {key!r}")
            message = str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
            return StoreError(f"{what}: {code or status}: {message}")
        return StoreError(f"{what}: {type(exc).__name__}: {exc}")

    # -- bucket ----------------------------------------------------------------------------------

    def create(self) -> bool:
        """Create the bucket if missing; True if it was created (S3 "HeadBucket", then "CreateBucket")."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                raise self._error(exc, None, write=True) from None
        except BotoCoreError as exc:
            raise self._error(exc, None, write=True) from None
        params: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._client.create_bucket(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                return False
            raise self._error(exc, None, write=True) from None
        except BotoCoreError as exc:
            raise self._error(exc, None, write=True) from None
        return True

    # -- BlobStore -------------------------------------------------------------------------------

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

    def _presign(self, method: str, params: dict[str, Any], expires_in: int) -> str:
        if not 1 <= expires_in <= S3_MAX_EXPIRES_IN:
            raise ValueError(f"Expected 1..{S3_MAX_EXPIRES_IN} s for `expires_in` but received {expires_in!r}")
        try:
            url: str = self._client.generate_presigned_url(method, Params=params, ExpiresIn=expires_in)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, params.get("Key")) from None
        return url

    def presigned_read_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """SigV4 presigned GetObject URL; ``expires_in`` 1..604800 s."""
        return self._presign("get_object", {"Bucket": self.bucket, "Key": check_key(key)}, expires_in)

    def presigned_write_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """SigV4 presigned PutObject URL (one PUT of the whole body); ``expires_in`` 1..604800 s."""
        return self._presign("put_object", {"Bucket": self.bucket, "Key": check_key(key)}, expires_in)

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
