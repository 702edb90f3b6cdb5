"""imgworker.storage.s3.multipart against moto: real part sizes, completion with the bucket credentials, abort."""

from __future__ import annotations

import pytest

from imgworker.storage import BlobNotFound
from imgworker.storage.multipart import commit_multipart
from imgworker.storage.s3 import S3_MIN_PART_SIZE, S3Store
from storage.contract import http_put


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
