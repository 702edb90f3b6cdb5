"""Presigned URLs of :class:`~imgworker.storage.s3.S3Store`: SigV4 query-string URLs (boto3 ``generate_presigned_url``).

``get_object`` and ``put_object`` (any ``Content-Type`` may be sent; only ``host`` is signed); the
multipart module presigns ``upload_part`` the same way. Lifetimes are 1 s to 7 days.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from imgworker.storage.base import DEFAULT_EXPIRES_IN, check_key
from imgworker.storage.s3.client import S3Bucket

S3_MAX_EXPIRES_IN = 7 * 24 * 3600
"""Longest SigV4 presigned URL lifetime, seconds (7 days)."""


class S3Presign(S3Bucket):
    """Presigned GetObject and PutObject URLs."""

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
