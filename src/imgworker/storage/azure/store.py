""":class:`AzureBlobStore`: one Azure Blob container as a :class:`~imgworker.storage.base.MultipartStore`."""

from __future__ import annotations

from imgworker.storage.azure.multipart import AzureMultipart


class AzureBlobStore(AzureMultipart):
    """Blob store on one Azure Blob container (``url = "azure://<container>"``).

    The calls live in :mod:`.client` (construction, errors, container), :mod:`.blobs` (put, get,
    stream, stat, exists, delete, list), :mod:`.sas` (blob and presigned URLs) and :mod:`.multipart`
    (Put Block targets and their completion).

    Args:
        container: container name (3-63 of ``a-z 0-9 -``); it is not created: see :meth:`create`.
        account_name: storage account (``devstoreaccount1`` on Azurite).
        account_key: base64 account key; needed for SAS URLs.
        sas_token: an account or container SAS (``sv=...&sig=...``) used instead of a key; then
            ``presigned_*`` raise :class:`StoreError`.
        blob_endpoint: ``https://<account>.blob.core.windows.net`` (the default) or Azurite's
            ``http://127.0.0.1:10000/devstoreaccount1``.
        **client_options: passed to ``BlobServiceClient`` (e.g. ``api_version="2025-11-05"`` for an
            Azurite started without ``--skipApiVersionCheck``).

    Raises:
        ValueError: an invalid container name.
    """
