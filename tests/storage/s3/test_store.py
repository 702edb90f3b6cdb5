"""S3Store against moto's S3 server on 127.0.0.1: the store contract, open_store with settings."""

from __future__ import annotations

import pytest

from imgworker.config import load_settings
from imgworker.storage import open_store
from imgworker.storage.s3 import S3_MIN_PART_SIZE, S3Store
from plugins.services import MotoS3Service
from storage.contract import StoreContract


class TestS3Store(StoreContract):
    part_size = S3_MIN_PART_SIZE  # S3 (and moto) reject smaller non-last parts at completion

    @pytest.fixture
    def store(self, s3_bucket: S3Store) -> S3Store:
        return s3_bucket


def test_open_store_with_settings(moto_s3: MotoS3Service, s3_bucket: S3Store) -> None:
    s3_bucket.put("o.jpg", b"o")
    settings = load_settings(
        None,
        s3_endpoint_url=moto_s3.endpoint_url,
        aws_access_key_id=moto_s3.access_key_id,
        aws_secret_access_key=moto_s3.secret_access_key,
    )
    store = open_store(s3_bucket.url, settings)
    assert isinstance(store, S3Store)
    assert store.get("o.jpg") == b"o"
    with pytest.raises(ValueError, match="without a path"):
        open_store(f"{s3_bucket.url}/prefix", settings)
