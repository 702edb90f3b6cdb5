"""imgworker.storage.s3.presign against moto: path-style SigV4 URLs, lifetime bounds."""

from __future__ import annotations

import pytest

from imgworker.storage.s3 import S3Store
from plugins.services import MotoS3Service


def test_url_and_path_style(s3_bucket: S3Store, moto_s3: MotoS3Service) -> None:
    assert s3_bucket.url == f"s3://{s3_bucket.bucket}"
    url = s3_bucket.presigned_read_url("a b+c.jpg")
    assert url.startswith(f"{moto_s3.endpoint_url}/{s3_bucket.bucket}/a%20b%2Bc.jpg?")
    assert "X-Amz-Signature=" in url


def test_expires_in_bounds(s3_bucket: S3Store) -> None:
    with pytest.raises(ValueError, match="expires_in"):
        s3_bucket.presigned_read_url("a.jpg", expires_in=0)
    with pytest.raises(ValueError, match="expires_in"):
        s3_bucket.presigned_write_url("a.jpg", expires_in=8 * 24 * 3600)
