"""S3Store against moto's S3 server on 127.0.0.1: the contract, multipart with real part sizes, errors."""

from __future__ import annotations

import pytest

from imgworker.config import load_settings
from imgworker.storage import BlobNotFound, StoreError, open_store
from imgworker.storage.multipart import commit_multipart
from imgworker.storage.s3 import S3_MIN_PART_SIZE, S3Store
from plugins.services import MotoS3Service
from storage.contract import StoreContract, http_put


class TestS3Store(StoreContract):
    part_size = S3_MIN_PART_SIZE  # S3 (and moto) reject smaller non-last parts at completion

    @pytest.fixture
    def store(self, s3_bucket: S3Store) -> S3Store:
        return s3_bucket


def test_url_and_path_style(s3_bucket: S3Store, moto_s3: MotoS3Service) -> None:
    assert s3_bucket.url == f"s3://{s3_bucket.bucket}"
    url = s3_bucket.presigned_read_url("a b+c.jpg")
    assert url.startswith(f"{moto_s3.endpoint_url}/{s3_bucket.bucket}/a%20b%2Bc.jpg?")
    assert "X-Amz-Signature=" in url


def test_multipart_defaults_and_worker_commit_is_noop(s3_bucket: S3Store) -> None:
    upload = s3_bucket.presigned_multipart_upload("mp.png", 2)
    assert (upload.min_part_size, upload.max_part_size) == (S3_MIN_PART_SIZE, 100 * 1024 * 1024)
    assert all("partNumber=" in u and "uploadId=" in u for u in upload.urls)
    assert http_put(upload.urls[0], b"png").status_code == 200
    assert commit_multipart(upload.as_target(), 1) is False  # S3 needs the bucket credentials
    assert not s3_bucket.exists("mp.png")
    info = s3_bucket.complete_multipart_upload(upload)
    assert (info.size, info.content_type) == (3, "image/png")


def test_abort_frees_the_upload(s3_bucket: S3Store) -> None:
    upload = s3_bucket.presigned_multipart_upload("ab.jpg", 2)
    assert http_put(upload.urls[0], b"x").status_code == 200
    s3_bucket.abort_multipart_upload(upload)
    s3_bucket.abort_multipart_upload(upload)  # twice is fine
    with pytest.raises(BlobNotFound, match="no multipart upload"):
        s3_bucket.complete_multipart_upload(upload)
    assert list(s3_bucket.list()) == []


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


def test_expires_in_bounds(s3_bucket: S3Store) -> None:
    with pytest.raises(ValueError, match="expires_in"):
        s3_bucket.presigned_read_url("a.jpg", expires_in=0)
    with pytest.raises(ValueError, match="expires_in"):
        s3_bucket.presigned_write_url("a.jpg", expires_in=8 * 24 * 3600)


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
