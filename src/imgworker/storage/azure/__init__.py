"""Azure Blob Storage (and Azurite) as a blob store, through ``azure-storage-blob`` 12.

One :class:`AzureBlobStore` is one container of one account. Credentials are an account name and
key (``AZURE_STORAGE_ACCOUNT``/``AZURE_STORAGE_KEY`` in the tutorial) or a connection string
(Azurite: ``DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=...;
BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;``). The account key is needed to sign SAS
URLs (``generate_blob_sas``); a connection string carrying a SAS token works for everything except
the ``presigned_*`` methods.

Presigned URLs are service SAS URLs for one blob (Azure docs "Create a service SAS"):

* read: ``sp=r``; write: ``sp=cw`` for a single ``Put Blob``, which needs the request header
  ``x-ms-blob-type: BlockBlob`` (Azure "Put Blob"; field case A20);
* multipart: ``sp=w`` plus ``&comp=block&blockid=<base64("%06d" % n)>`` per part, exactly the
  URLs Apache Jackrabbit Oak's ``AzureBlobStoreBackend.initiateHttpUpload`` gives AEM clients. A
  plain PUT of the part bytes is an Azure "Put Block"; blocks stay invisible until a
  "Put Block List" commits them (:meth:`AzureBlobStore.complete_multipart_upload` here, AEM's
  ``completeBinaryUpload`` in production, or :func:`imgworker.storage.multipart.commit_multipart`).

Errors: 401/403 -> :class:`StoreAccessDenied`, 404 -> :class:`BlobNotFound` (a missing container
on a write -> :class:`StoreError`), anything else -> :class:`StoreError`; messages name the store
and the key. Azurite needs ``--skipApiVersionCheck`` (runtime-and-scale.md section 3.1).

Modules (the store class is built from one base and three mixins)::

    client.py     AzureContainer: clients, error mapping, create/delete the container; check_container_name
    blobs.py      AzureBlobs: put, get, stream, stat, exists, delete, list
    sas.py        AzureSas: blob_url, presigned_read_url, presigned_write_url
    multipart.py  AzureMultipart: Put Block targets, their completion; azure_block_id, AZURE_* part limits
    store.py      AzureBlobStore: all of the above
"""

from imgworker.storage.azure.client import check_container_name
from imgworker.storage.azure.multipart import AZURE_MAX_BLOCKS, AZURE_MAX_PART_SIZE, AZURE_MIN_PART_SIZE, azure_block_id
from imgworker.storage.azure.store import AzureBlobStore

__all__ = [
    "AZURE_MAX_BLOCKS",
    "AZURE_MAX_PART_SIZE",
    "AZURE_MIN_PART_SIZE",
    "AzureBlobStore",
    "azure_block_id",
    "check_container_name",
]
