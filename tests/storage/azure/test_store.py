"""AzureBlobStore against a real Azurite on 127.0.0.1: the store contract, open_store with settings."""

from __future__ import annotations

import pytest

from imgworker.config import load_settings
from imgworker.storage import open_store
from imgworker.storage.azure import AzureBlobStore
from plugins.services import AzuriteService
from storage.contract import StoreContract

pytestmark = pytest.mark.azurite


class TestAzureBlobStore(StoreContract):
    @pytest.fixture
    def store(self, azure_container: AzureBlobStore) -> AzureBlobStore:
        return azure_container


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
