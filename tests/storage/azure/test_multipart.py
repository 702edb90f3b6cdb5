"""imgworker.storage.azure.multipart against Azurite: Put Block targets (the contract covers completion)."""

from __future__ import annotations

import pytest

from imgworker.storage import BlobNotFound
from imgworker.storage.azure import AzureBlobStore
from storage.contract import http_put

pytestmark = pytest.mark.azurite


def test_expired_multipart_target_is_403_and_leaves_nothing(azure_container: AzureBlobStore) -> None:
    upload = azure_container.presigned_multipart_upload("exp.jpg", 3, expires_in=-60)
    response = http_put(upload.urls[0], b"A" * 100)
    assert response.status_code == 403
    assert list(azure_container.list()) == []
    with pytest.raises(BlobNotFound):
        azure_container.complete_multipart_upload(upload)
    assert list(azure_container.list()) == []
