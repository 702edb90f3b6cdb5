"""Multipart targets of :class:`~imgworker.storage.azure.AzureBlobStore`: Oak-style Put Block URLs.

A target is ``sp=w`` plus ``&comp=block&blockid=<base64("%06d" % n)>`` per part, exactly the URLs
Apache Jackrabbit Oak's ``AzureBlobStoreBackend.initiateHttpUpload`` gives AEM clients. A plain PUT
of the part bytes is an Azure "Put Block"; blocks stay invisible until a "Put Block List" commits
them (:meth:`AzureMultipart.complete_multipart_upload` here, AEM's ``completeBinaryUpload`` in
production, or :func:`imgworker.storage.multipart.commit_multipart`).
"""

from __future__ import annotations

import base64
import mimetypes
import uuid
from urllib.parse import parse_qsl, quote, urlsplit

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import BlobBlock, BlobSasPermissions, ContentSettings

from imgworker.storage.azure.blobs import AzureBlobs
from imgworker.storage.azure.client import error_code
from imgworker.storage.azure.sas import AzureSas
from imgworker.storage.base import DEFAULT_EXPIRES_IN, BlobInfo, BlobNotFound, MultipartUpload, StoreError, check_key

AZURE_MIN_PART_SIZE = 256 * 1024
"""Default ``minPartSize`` of Azure multipart targets, bytes (256 KiB; Azure accepts any block size)."""

AZURE_MAX_PART_SIZE = 100 * 1024 * 1024
"""Default ``maxPartSize`` of Azure multipart targets, bytes (100 MiB; Asset Compute's preferred part size)."""

AZURE_MAX_BLOCKS = 50_000
"""Most blocks in one block blob (Azure "Put Block List")."""


def azure_block_id(part_number: int) -> str:
    """Block id of part ``part_number`` (1-based) as sent in URLs: base64 of ``"%06d"`` (Oak's format)."""
    return base64.b64encode(f"{part_number:06d}".encode()).decode("ascii")


class AzureMultipart(AzureBlobs, AzureSas):
    """The :class:`~imgworker.storage.base.MultipartStore` calls: Put Block URLs, Put Block List."""

    def presigned_multipart_upload(
        self,
        key: str,
        part_count: int,
        expires_in: int = DEFAULT_EXPIRES_IN,
        *,
        min_part_size: int | None = None,
        max_part_size: int | None = None,
        content_type: str | None = None,
    ) -> MultipartUpload:
        """Oak-style Put Block URLs: ``<blob>?<sas sp=w>&comp=block&blockid=<base64 %06d>`` for parts 1..n.

        ``part_count`` is 1..50000; ``content_type`` is applied at completion, not here.
        """
        if not 1 <= part_count <= AZURE_MAX_BLOCKS:
            raise ValueError(f"Expected 1..{AZURE_MAX_BLOCKS} for `part_count` but received {part_count!r}")
        base = f"{self.blob_url(key)}?{self._sas(key, BlobSasPermissions(write=True), expires_in)}"
        urls = tuple(f"{base}&comp=block&blockid={quote(azure_block_id(n), safe='')}" for n in range(1, part_count + 1))
        return MultipartUpload(
            store_url=self.url,
            key=key,
            upload_id=uuid.uuid4().hex,
            urls=urls,
            min_part_size=AZURE_MIN_PART_SIZE if min_part_size is None else min_part_size,
            max_part_size=AZURE_MAX_PART_SIZE if max_part_size is None else max_part_size,
        )

    def complete_multipart_upload(self, upload: MultipartUpload, *, content_type: str | None = None) -> BlobInfo:
        """Commit the uncommitted blocks named by ``upload.urls`` (a contiguous run from part 1) in URL order.

        Plays Oak's ``completeMultiPartUpload`` (Get Block List + Put Block List with the account key).
        ``content_type`` defaults to a guess from the key.
        """
        key = upload.key
        blob = self._container.get_blob_client(check_key(key))
        nothing = BlobNotFound(f"{self.url}: no part was uploaded for {key!r}")
        try:
            _, uncommitted = blob.get_block_list("uncommitted")
        except ResourceNotFoundError as exc:
            raise (self._error(exc, key) if error_code(exc) == "ContainerNotFound" else nothing) from None
        except AzureError as exc:
            raise self._error(exc, key, write=True) from None
        present = {b.id for b in uncommitted}
        wanted = [base64.b64decode(_block_id_of(u)).decode() for u in upload.urls]
        flags = [w in present for w in wanted]
        count = flags.index(False) if False in flags else len(flags)
        if any(flags[count:]):
            raise StoreError(f"{self.url}: multipart upload of {key!r} has a gap after part {count}; not committed")
        if count == 0:  # committed already (by the worker), or nothing was uploaded
            try:
                return self.stat(key)
            except BlobNotFound:
                raise nothing from None
        settings = ContentSettings(content_type=content_type or mimetypes.guess_type(key)[0])
        try:
            blob.commit_block_list([BlobBlock(block_id=w) for w in wanted[:count]], content_settings=settings)
        except AzureError as exc:
            raise self._error(exc, key, write=True) from None
        return self.stat(key)

    def abort_multipart_upload(self, upload: MultipartUpload) -> None:
        """No-op: Azure has no call to drop uncommitted blocks; they are invisible and discarded after 7 days."""


def _block_id_of(url: str) -> str:
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name.lower() == "blockid":
            return value
    raise ValueError(f"not an Azure Put Block URL (no blockid): {url.split('?', 1)[0]}")
