"""Presigned URLs of :class:`~imgworker.storage.azure.AzureBlobStore`: service SAS URLs for one blob.

Read: ``sp=r``; write: ``sp=cw`` for a single ``Put Blob``, which needs the request header
``x-ms-blob-type: BlockBlob`` (Azure "Put Blob"; field case A20). Signing needs the account key
(``generate_blob_sas``); a store opened with a SAS token raises :class:`StoreError` here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from azure.storage.blob import BlobSasPermissions, generate_blob_sas

from imgworker.storage.azure.client import AzureContainer
from imgworker.storage.base import DEFAULT_EXPIRES_IN, StoreError, check_key


class AzureSas(AzureContainer):
    """Blob URLs, with and without a service SAS (Azure docs "Create a service SAS")."""

    def _sas(self, key: str, permission: BlobSasPermissions, expires_in: int) -> str:
        if not self._account_key:
            raise StoreError(f"{self.url}: presigned URLs need the account key (AZURE_STORAGE_KEY or AccountKey=)")
        return generate_blob_sas(
            self.account_name,
            self.container,
            key,
            account_key=self._account_key,
            permission=permission,
            expiry=datetime.now(UTC) + timedelta(seconds=expires_in),
        )

    def blob_url(self, key: str) -> str:
        """The blob's URL without SAS; each path segment percent-encoded once (UTF-8, space -> ``%20``)."""
        return f"{self.blob_endpoint}/{self.container}/{quote(check_key(key), safe='/~')}"

    def presigned_read_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """Blob URL + read SAS (``sp=r``). ``expires_in`` seconds; <= 0 gives an expired URL (negative tests)."""
        return f"{self.blob_url(key)}?{self._sas(key, BlobSasPermissions(read=True), expires_in)}"

    def presigned_write_url(self, key: str, expires_in: int = DEFAULT_EXPIRES_IN) -> str:
        """Blob URL + create/write SAS (``sp=cw``) for one ``Put Blob``; send ``x-ms-blob-type: BlockBlob``."""
        sas = self._sas(key, BlobSasPermissions(create=True, write=True), expires_in)
        return f"{self.blob_url(key)}?{sas}"
