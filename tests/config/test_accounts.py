"""imgworker.config.accounts: Azure accounts from connection strings, the imgix -> source fallback."""

from __future__ import annotations

from config.env import AZURITE_CS
from imgworker.config import AZURITE_ACCOUNT, AZURITE_KEY, DEFAULT_STAGING_STORE, load_settings


def test_imgix_account_falls_back_to_source_account() -> None:
    s = load_settings(None, azure_storage_connection_string=AZURITE_CS)
    acct = s.azure_account("imgix")
    assert acct is not None
    assert (acct.account_name, acct.account_key) == (AZURITE_ACCOUNT, AZURITE_KEY)
    assert acct.blob_endpoint == f"http://127.0.0.1:10000/{AZURITE_ACCOUNT}"
    assert acct.is_local
    assert s.staging_store_url == DEFAULT_STAGING_STORE  # IMGWORKER_STAGING_STORE decides, not the fallback


def test_use_development_storage() -> None:
    acct = load_settings(None, azure_storage_connection_string="UseDevelopmentStorage=true").azure_account("source")
    assert acct is not None
    assert (acct.account_name, acct.account_key) == (AZURITE_ACCOUNT, AZURITE_KEY)
