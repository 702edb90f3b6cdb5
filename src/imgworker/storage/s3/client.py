"""The connection half of :class:`~imgworker.storage.s3.S3Store`: boto3 client, errors, bucket.

:class:`S3Bucket` holds the boto3 client (SigV4; path-style addressing with an ``endpoint_url``),
maps botocore errors to the store's (401/403 and missing credentials -> :class:`StoreAccessDenied`,
404 -> :class:`BlobNotFound`, a missing bucket on a write -> :class:`StoreError`, anything else ->
:class:`StoreError`) and creates the bucket.
"""

from __future__ import annotations

import re
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

from imgworker.storage.base import BlobNotFound, StoreAccessDenied, StoreError

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


class S3Bucket:
    """One bucket: the boto3 client, error mapping and bucket creation.

    The arguments are :class:`~imgworker.storage.s3.S3Store`'s.

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

    def close(self) -> None:
        """Close the client's connection pool (a store made for one upload should not leave sockets)."""
        self._client.close()

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
