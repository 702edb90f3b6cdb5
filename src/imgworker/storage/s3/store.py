""":class:`S3Store`: one S3 bucket as a :class:`~imgworker.storage.base.MultipartStore`."""

from __future__ import annotations

from imgworker.storage.s3.multipart import S3Multipart


class S3Store(S3Multipart):
    """Blob store on one S3 bucket (``url = "s3://<bucket>"``).

    The calls live in :mod:`.client` (construction, errors, bucket), :mod:`.objects` (put, get,
    stream, stat, exists, delete, list), :mod:`.presign` (presigned URLs) and :mod:`.multipart`
    (UploadPart targets, completion, abort).

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
