"""AzureBlobStore against a real Azurite on 127.0.0.1: the contract, SAS rules, errors, worker commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.blob import ContainerSasPermissions, generate_container_sas

from imgworker.config import load_settings
from imgworker.storage import BlobNotFound, StoreAccessDenied, StoreError, open_store
from imgworker.storage.azure import AzureBlobStore, azure_block_id, check_container_name
from imgworker.storage.multipart import azure_commit_plan, commit_multipart, is_azure_block_url
from plugins.services import AzuriteService
from storage.contract import StoreContract, http_get, http_put

pytestmark = pytest.mark.azurite


class TestAzureBlobStore(StoreContract):
    @pytest.fixture
    def store(self, azure_container: AzureBlobStore) -> AzureBlobStore:
        return azure_container


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


def test_expired_multipart_target_is_403_and_leaves_nothing(azure_container: AzureBlobStore) -> None:
    upload = azure_container.presigned_multipart_upload("exp.jpg", 3, expires_in=-60)
    response = http_put(upload.urls[0], b"A" * 100)
    assert response.status_code == 403
    assert list(azure_container.list()) == []
    with pytest.raises(BlobNotFound):
        azure_container.complete_multipart_upload(upload)
    assert list(azure_container.list()) == []


def test_wrong_key_is_access_denied(azurite: AzuriteService, azure_container: AzureBlobStore) -> None:
    wrong = AzureBlobStore(
        azure_container.container,
        account_name=azurite.account,
        account_key="d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXk=",
        blob_endpoint=azurite.blob_endpoint,
    )
    with pytest.raises(StoreAccessDenied) as err:
        wrong.get("a.jpg")
    assert azure_container.url in str(err.value)
    assert "'a.jpg'" in str(err.value)
    with pytest.raises(StoreAccessDenied):
        wrong.put("a.jpg", b"x")
    with pytest.raises(StoreAccessDenied):
        wrong.exists("a.jpg")


def test_expired_sas_credential_is_access_denied(azurite: AzuriteService, azure_container: AzureBlobStore) -> None:
    """A store opened with an (expired) SAS connection string maps Azure's 403 to StoreAccessDenied."""
    azure_container.put("a.jpg", b"x")

    def sas_store(expires_in: timedelta) -> AzureBlobStore:
        sas = generate_container_sas(
            azurite.account,
            azure_container.container,
            account_key=azurite.key,
            permission=ContainerSasPermissions(read=True, list=True),
            expiry=datetime.now(UTC) + expires_in,
        )
        conn = f"BlobEndpoint={azurite.blob_endpoint};SharedAccessSignature={sas}"
        return AzureBlobStore.from_connection_string(conn, azure_container.container)

    live = sas_store(timedelta(minutes=5))
    assert live.get("a.jpg") == b"x"
    assert list(live.list()) == ["a.jpg"]
    with pytest.raises(StoreError, match="account key"):
        live.presigned_read_url("a.jpg")
    with pytest.raises(StoreAccessDenied, match="AuthorizationPermissionMismatch"):
        live.put("b.jpg", b"read-only SAS")
    store = sas_store(timedelta(minutes=-1))
    with pytest.raises(StoreAccessDenied, match=r"'a\.jpg'.*AuthorizationFailure"):
        store.get("a.jpg")
    with pytest.raises(StoreAccessDenied):
        store.stat("a.jpg")
    with pytest.raises(StoreAccessDenied):
        list(store.list())


def test_missing_container(azurite: AzuriteService) -> None:
    store = azurite.store("does-not-exist", create=False)
    with pytest.raises(BlobNotFound, match="container 'does-not-exist' does not exist"):
        store.get("a.jpg")
    with pytest.raises(StoreError, match="container 'does-not-exist' does not exist") as err:
        store.put("a.jpg", b"x")
    assert not isinstance(err.value, BlobNotFound)
    assert not store.exists("a.jpg")


def test_create_is_idempotent(azurite: AzuriteService) -> None:
    store = azurite.store("idem-container", create=False)
    assert store.create() is True
    assert store.create() is False
    store.delete_container()


def test_container_name_is_checked() -> None:
    with pytest.raises(ValueError, match="container name"):
        check_container_name("t1")
    with pytest.raises(ValueError, match="container name"):
        check_container_name("Upper")
    assert check_container_name("source") == "source"


def test_presigned_needs_account_key(azurite: AzuriteService) -> None:
    store = AzureBlobStore(
        "source", account_name=azurite.account, account_key=None, blob_endpoint=azurite.blob_endpoint
    )
    with pytest.raises(StoreError, match="account key"):
        store.presigned_read_url("a.jpg")


def test_from_connection_string(azurite: AzuriteService, azure_container: AzureBlobStore) -> None:
    azure_container.put("cs.jpg", b"cs")
    store = AzureBlobStore.from_connection_string(azurite.connection_string, azure_container.container)
    assert store.account_name == azurite.account
    assert store.blob_endpoint == azurite.blob_endpoint
    assert store.get("cs.jpg") == b"cs"
    assert http_get(store.presigned_read_url("cs.jpg")).content == b"cs"


def test_open_store_with_settings(azurite: AzuriteService, azure_container: AzureBlobStore) -> None:
    azure_container.put("o.jpg", b"o")
    settings = load_settings(None, azure_storage_connection_string=azurite.connection_string)
    store = open_store(azure_container.url, settings)
    assert isinstance(store, AzureBlobStore)
    assert store.get("o.jpg") == b"o"
    source = open_store(azure_container.url, settings, role="source")
    assert source.get("o.jpg") == b"o"
    split = load_settings(
        None,
        imgix_storage_account=azurite.account,
        imgix_storage_key=azurite.key,
        imgix_storage_endpoint=azurite.blob_endpoint,
    )
    assert open_store(azure_container.url, split).get("o.jpg") == b"o"
    with pytest.raises(ValueError, match="no Azure account configured"):
        open_store(azure_container.url, split, role="source")


# -- worker-side commit (storage.multipart) -------------------------------------------------------


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
