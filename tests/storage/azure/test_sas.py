"""imgworker.storage.azure.sas against Azurite: blob URLs, SAS permissions and expiry."""

from __future__ import annotations

import pytest

from imgworker.storage import StoreError
from imgworker.storage.azure import AzureBlobStore, azure_block_id
from plugins.services import AzuriteService
from storage.contract import http_get, http_put

pytestmark = pytest.mark.azurite


def test_url_and_blob_url(azure_container: AzureBlobStore, azurite: AzuriteService) -> None:
    assert azure_container.url == f"azure://{azure_container.container}"
    url = azure_container.blob_url("dir/a b+c%#?.jpg")
    assert url == f"{azurite.blob_endpoint}/{azure_container.container}/dir/a%20b%2Bc%25%23%3F.jpg"


def test_sas_permissions_in_urls(azure_container: AzureBlobStore) -> None:
    assert "sp=r&" in azure_container.presigned_read_url("a.jpg") + "&"
    assert "sp=cw&" in azure_container.presigned_write_url("a.jpg") + "&"
    upload = azure_container.presigned_multipart_upload("a.jpg", 2)
    assert all("sp=w&" in u for u in upload.urls)
    assert upload.urls[0].endswith(f"&comp=block&blockid={azure_block_id(1)}")
    assert azure_block_id(1) == "MDAwMDAx"  # base64("000001"), Oak's format


def test_expired_sas_read_is_403(azure_container: AzureBlobStore) -> None:
    azure_container.put("a.jpg", b"x")
    response = http_get(azure_container.presigned_read_url("a.jpg", expires_in=-60))
    assert response.status_code == 403
    assert "AuthorizationFailure" in response.text


def test_read_only_sas_put_is_403_and_writes_nothing(azure_container: AzureBlobStore) -> None:
    azure_container.put("ro.jpg", b"original")
    url = azure_container.presigned_read_url("ro.jpg")
    response = http_put(url, b"new", {"x-ms-blob-type": "BlockBlob"})
    assert response.status_code == 403
    assert "AuthorizationPermissionMismatch" in response.text
    assert azure_container.get("ro.jpg") == b"original"
    response = http_put(azure_container.presigned_read_url("new.jpg"), b"new", {"x-ms-blob-type": "BlockBlob"})
    assert response.status_code == 403
    assert not azure_container.exists("new.jpg")


def test_single_put_needs_blob_type_header(azure_container: AzureBlobStore) -> None:
    """Field case A20: a Put Blob without x-ms-blob-type is a 400; with it, 201."""
    url = azure_container.presigned_write_url("single.jpg")
    assert http_put(url, b"x").status_code == 400
    assert http_put(url, b"x", {"x-ms-blob-type": "BlockBlob"}).status_code == 201


def test_presigned_needs_account_key(azurite: AzuriteService) -> None:
    store = AzureBlobStore(
        "source", account_name=azurite.account, account_key=None, blob_endpoint=azurite.blob_endpoint
    )
    with pytest.raises(StoreError, match="account key"):
        store.presigned_read_url("a.jpg")
