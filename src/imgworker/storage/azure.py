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
"""

from __future__ import annotations

import base64
import mimetypes
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, quote, urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.storage.blob import (
    BlobBlock,
    BlobSasPermissions,
    BlobServiceClient,
    ContentSettings,
    ExponentialRetry,
    generate_blob_sas,
)

from imgworker.storage.base import (
    DEFAULT_EXPIRES_IN,
    BlobInfo,
    BlobNotFound,
    ChunkStream,
    MultipartUpload,
    StoreAccessDenied,
    StoreError,
    check_key,
)

AZURE_MIN_PART_SIZE = 256 * 1024
"""Default ``minPartSize`` of Azure multipart targets, bytes (256 KiB; Azure accepts any block size)."""

AZURE_MAX_PART_SIZE = 100 * 1024 * 1024
"""Default ``maxPartSize`` of Azure multipart targets, bytes (100 MiB; Asset Compute's preferred part size)."""

AZURE_MAX_BLOCKS = 50_000
"""Most blocks in one block blob (Azure "Put Block List")."""

_CONTAINER_RE = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$")
_CHUNK = 4 * 1024 * 1024


def azure_block_id(part_number: int) -> str:
    """Block id of part ``part_number`` (1-based) as sent in URLs: base64 of ``"%06d"`` (Oak's format)."""
    return base64.b64encode(f"{part_number:06d}".encode()).decode("ascii")


def check_container_name(name: str) -> str:
    """Return ``name`` if it is a valid Azure container name (3-63 of ``a-z 0-9 -``), else ValueError."""
    if not _CONTAINER_RE.match(name):
        raise ValueError(
            f"Expected 3-63 lowercase letters, digits or single hyphens for the Azure container name "
            f"but received {name!r}"
        )
    return name


class AzureBlobStore:
    """Blob store on one Azure Blob container (``url = "azure://<container>"``).

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

    def __init__(
        self,
        container: str,
        *,
        account_name: str,
        account_key: str | None,
        blob_endpoint: str | None = None,
        sas_token: str | None = None,
        **client_options: Any,
    ) -> None:
        self.container = check_container_name(container)
        self.account_name = account_name
        self.blob_endpoint = (blob_endpoint or f"https://{account_name}.blob.core.windows.net").rstrip("/")
        self.url = f"azure://{container}"
        self._account_key = account_key
        options: dict[str, Any] = {
            "max_single_get_size": _CHUNK,
            "max_chunk_get_size": _CHUNK,
            "connection_timeout": 10,
            "read_timeout": 60,
            "retry_policy": ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=2),
        }
        options.update(client_options)
        credential: Any = {"account_name": account_name, "account_key": account_key} if account_key else sas_token
        self._service = BlobServiceClient(self.blob_endpoint, credential=credential, **options)
        self._container = self._service.get_container_client(container)

    @classmethod
    def from_connection_string(cls, connection_string: str, container: str, **client_options: Any) -> AzureBlobStore:
        """A store from a connection string (``AccountName``, ``AccountKey``, ``BlobEndpoint``,
        or ``SharedAccessSignature``).

        Raises:
            ValueError: the connection string cannot be parsed, or the container name is invalid.
        """
        service = BlobServiceClient.from_connection_string(connection_string)
        account_key = getattr(service.credential, "account_key", None)
        endpoint, _, sas = service.url.partition("?")
        return cls(
            container,
            account_name=service.account_name or "",
            account_key=account_key,
            blob_endpoint=endpoint,
            sas_token=sas or None,
            **client_options,
        )

    def __repr__(self) -> str:
        return f"AzureBlobStore({self.container!r}, account={self.account_name!r}, endpoint={self.blob_endpoint!r})"

    # -- errors ----------------------------------------------------------------------------------

    def _error(self, exc: AzureError, key: str | None, *, write: bool = False) -> StoreError:
        status = getattr(exc, "status_code", None)
        code = _code(exc)
        what = f"{self.url}: blob {key!r}" if key is not None else f"{self.url}"
        if isinstance(exc, ClientAuthenticationError) or status in (401, 403):
            return StoreAccessDenied(f"{what}: access denied ({code or status}) on {self.blob_endpoint}")
        if isinstance(exc, ResourceNotFoundError) or status == 404:
            if code == "ContainerNotFound":
                msg = f"{self.url}: container {self.container!r} does not exist on {self.blob_endpoint}"
                return StoreError(msg) if write else BlobNotFound(f"{msg} (looking for {key!r})")
            return BlobNotFound(f"{self.url}: no blob {key!r}")
        message = (str(getattr(exc, "message", "") or exc).strip().splitlines() or [""])[0]
        if status == 400 and "not supported by azurite" in str(exc).lower():
            message += " (start Azurite with --skipApiVersionCheck)"
        return StoreError(f"{what}: {code or type(exc).__name__}: {message}")

    # -- container -------------------------------------------------------------------------------

    def create(self) -> bool:
        """Create the container if missing; True if it was created (Azure "Create Container")."""
        try:
            self._container.create_container()
        except ResourceExistsError:
            return False
        except AzureError as exc:
            raise self._error(exc, None, write=True) from None
        return True

    def delete_container(self) -> None:
        """Delete the container and everything in it (tests and ``aem-sim`` clean-up)."""
        try:
            self._container.delete_container()
        except ResourceNotFoundError:
            pass
        except AzureError as exc:
            raise self._error(exc, None, write=True) from None

    # -- BlobStore -------------------------------------------------------------------------------

    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str | None = None) -> BlobInfo:
        """Upload (replace) a block blob; ``content_type`` defaults to a guess from the key's extension."""
        blob = self._container.get_blob_client(check_key(key))
        settings = ContentSettings(content_type=content_type or mimetypes.guess_type(key)[0])
        try:
            blob.upload_blob(data, overwrite=True, content_settings=settings)
        except AzureError as exc:
            raise self._error(exc, key, write=True) from None
        return self.stat(key)

    def get(self, key: str) -> bytes:
        """All bytes of the blob (Azure "Get Blob")."""
        try:
            data: bytes = self._container.get_blob_client(check_key(key)).download_blob().readall()
        except AzureError as exc:
            raise self._error(exc, key) from None
        return data

    def stream(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Chunks of at most ``chunk_size`` bytes; the first range request is made on the call."""
        try:
            downloader = self._container.get_blob_client(check_key(key)).download_blob()
        except AzureError as exc:
            raise self._error(exc, key) from None
        return ChunkStream(self._chunks(downloader.chunks(), key, chunk_size))

    def _chunks(self, chunks: Iterator[bytes], key: str, chunk_size: int) -> Iterator[bytes]:
        try:
            for chunk in chunks:
                for start in range(0, len(chunk), chunk_size):
                    yield chunk[start : start + chunk_size]
        except AzureError as exc:
            raise self._error(exc, key) from None

    def stat(self, key: str) -> BlobInfo:
        """Size, ETag (quoted), Last-Modified and Content-Type (Azure "Get Blob Properties")."""
        try:
            props = self._container.get_blob_client(check_key(key)).get_blob_properties()
        except AzureError as exc:
            raise self._error(exc, key) from None
        return BlobInfo(
            key=key,
            size=int(props.size),
            etag=str(props.etag),
            last_modified=_utc(props.last_modified),
            content_type=props.content_settings.content_type,
        )

    def exists(self, key: str) -> bool:
        """True if the blob exists (False for an invalid key or a missing container)."""
        try:
            check_key(key)
        except ValueError:
            return False
        try:
            return bool(self._container.get_blob_client(key).exists())
        except AzureError as exc:
            err = self._error(exc, key)
            if isinstance(err, BlobNotFound):
                return False
            raise err from None

    def delete(self, key: str) -> None:
        """Delete the blob and its snapshots; a missing blob is fine."""
        try:
            self._container.get_blob_client(check_key(key)).delete_blob(delete_snapshots="include")
        except ResourceNotFoundError:
            pass
        except AzureError as exc:
            raise self._error(exc, key, write=True) from None

    def list(self, prefix: str = "") -> Iterator[str]:
        """Committed blob names starting with ``prefix`` (Azure "List Blobs"; uncommitted blocks never appear)."""
        try:
            names = list(self._container.list_blob_names(name_starts_with=prefix or None))
        except AzureError as exc:
            raise self._error(exc, prefix) from None
        return iter(names)

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

    # -- multipart -------------------------------------------------------------------------------

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
            raise (self._error(exc, key) if _code(exc) == "ContainerNotFound" else nothing) from None
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


def _code(exc: AzureError) -> str:
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


def _block_id_of(url: str) -> str:
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name.lower() == "blockid":
            return value
    raise ValueError(f"not an Azure Put Block URL (no blockid): {url.split('?', 1)[0]}")


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.fromtimestamp(0, UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
