"""imgworker.storage.azure.client against Azurite: construction, connection strings, errors, the container."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.blob import ContainerSasPermissions, generate_container_sas

from imgworker.storage import BlobNotFound, StoreAccessDenied, StoreError
from imgworker.storage.azure import AzureBlobStore, check_container_name
from plugins.services import AzuriteService
from storage.contract import http_get

pytestmark = pytest.mark.azurite


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


def test_from_connection_string(azurite: AzuriteService, azure_container: AzureBlobStore) -> None:
    azure_container.put("cs.jpg", b"cs")
    store = AzureBlobStore.from_connection_string(azurite.connection_string, azure_container.container)
    assert store.account_name == azurite.account
    assert store.blob_endpoint == azurite.blob_endpoint
    assert store.get("cs.jpg") == b"cs"
    assert http_get(store.presigned_read_url("cs.jpg")).content == b"cs"
