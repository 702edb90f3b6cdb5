"""imgworker.storage.multipart: the worker-side commit of Azure Put Block targets (against Azurite)."""

from __future__ import annotations

import pytest

from imgworker.storage import StoreAccessDenied, StoreError
from imgworker.storage.azure import AzureBlobStore, azure_block_id
from imgworker.storage.multipart import azure_commit_plan, commit_multipart, is_azure_block_url
from storage.contract import http_put

pytestmark = pytest.mark.azurite


def test_commit_multipart_with_sas_only(azure_container: AzureBlobStore) -> None:
    key = "commit/Daniel_Müller #1 [x].jpg"
    upload = azure_container.presigned_multipart_upload(key, 4)
    target = upload.as_target()
    parts = [b"a" * 300, b"b" * 300, b"c" * 7]
    for url, part in zip(target["urls"], parts, strict=False):
        assert http_put(url, part).status_code == 201
    assert not azure_container.exists(key)
    assert commit_multipart(target, len(parts), content_type="image/jpeg") is True
    assert azure_container.get(key) == b"".join(parts)
    assert azure_container.stat(key).content_type == "image/jpeg"
    # AEM's completeBinaryUpload afterwards is a no-op (Oak: the blob exists already).
    assert azure_container.complete_multipart_upload(upload).size == 607


def test_commit_multipart_expired_sas_is_access_denied(azure_container: AzureBlobStore) -> None:
    live = azure_container.presigned_multipart_upload("e.jpg", 1)
    assert http_put(live.urls[0], b"x").status_code == 201
    expired = azure_container.presigned_multipart_upload("e.jpg", 1, expires_in=-60)
    with pytest.raises(StoreAccessDenied, match="expired or read-only"):
        commit_multipart(expired.as_target(), 1)
    assert not azure_container.exists("e.jpg")


def test_commit_multipart_missing_block_fails_cleanly(azure_container: AzureBlobStore) -> None:
    upload = azure_container.presigned_multipart_upload("m.jpg", 2)
    assert http_put(upload.urls[0], b"x").status_code == 201
    with pytest.raises(StoreError, match="InvalidBlockList"):
        commit_multipart(upload.as_target(), 2)
    assert not azure_container.exists("m.jpg")


def test_commit_plan_and_non_azure_targets() -> None:
    sas = "https://acct.blob.core.windows.net/c/a%20b.jpg?sv=2025-01-05&sp=w&sig=a%2Bb%3D"
    urls = [f"{sas}&comp=block&blockid={azure_block_id(n)}" for n in (1, 2)]
    assert is_azure_block_url(urls[0])
    assert azure_commit_plan({"urls": urls}, 2) == (sas, ["000001", "000002"])
    assert azure_commit_plan(urls, 1) == (sas, ["000001"])
    s3 = ["http://127.0.0.1:5000/b/k?uploadId=u&partNumber=1&X-Amz-Signature=s"]
    assert not is_azure_block_url(s3[0])
    assert commit_multipart({"urls": s3}, 1) is False
    with pytest.raises(ValueError, match="part_count"):
        azure_commit_plan({"urls": urls}, 3)
    with pytest.raises(ValueError, match="same blob"):
        azure_commit_plan([urls[0], urls[1].replace("a%20b", "other")], 2)
    with pytest.raises(ValueError, match="target"):
        azure_commit_plan({"urls": "not-a-list"}, 1)
