"""imgworker.storage.s3.client against moto: bucket names, the bucket, errors."""

from __future__ import annotations

import pytest

from imgworker.storage import BlobNotFound, StoreError
from imgworker.storage.s3 import S3Store
from plugins.services import MotoS3Service


def test_missing_bucket(moto_s3: MotoS3Service) -> None:
    store = moto_s3.store("no-such-bucket", create=False)
    with pytest.raises(BlobNotFound, match="bucket 'no-such-bucket' does not exist"):
        store.get("a.jpg")
    with pytest.raises(StoreError, match="bucket 'no-such-bucket' does not exist") as err:
        store.put("a.jpg", b"x")
    assert not isinstance(err.value, BlobNotFound)
    assert not store.exists("a.jpg")


def test_create_is_idempotent(moto_s3: MotoS3Service) -> None:
    store = moto_s3.store("idem-bucket", create=False)
    assert store.create() is True
    assert store.create() is False


def test_bucket_name_is_checked() -> None:
    with pytest.raises(ValueError, match="bucket name"):
        S3Store("Bad_Bucket")
