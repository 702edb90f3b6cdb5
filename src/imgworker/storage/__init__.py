"""Blob stores behind one Protocol: local folder (default), Azure Blob, S3.

:func:`open_store` picks a backend from a URL: ``file:///dir`` or a plain path, ``azure://container``,
``s3://bucket``; credentials come from :class:`imgworker.config.Settings`. Backends:
:class:`LocalFolderStore`, :class:`~imgworker.storage.azure.AzureBlobStore`,
:class:`~imgworker.storage.s3.S3Store` (imported lazily: ``azure``/``boto3`` load only when used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from imgworker.storage.base import (
    BlobInfo,
    BlobNotFound,
    BlobStore,
    ChunkStream,
    MultipartStore,
    MultipartUpload,
    StoreAccessDenied,
    StoreError,
    check_key,
)
from imgworker.storage.local import LocalFolderStore

if TYPE_CHECKING:
    from imgworker.config import Role, Settings


def open_store(url: str, settings: Settings | None = None, *, role: Role = "imgix") -> MultipartStore:
    """Open a store by URL.

    Args:
        url: ``file:///abs/dir``, a plain path (relative to the working directory),
            ``azure://<container>`` or ``s3://<bucket>`` (no path after the container/bucket).
        settings: where credentials come from; default :func:`imgworker.config.load_settings()`.
        role: which Azure account ``azure://`` uses: ``"imgix"`` (``IMGIX_STORAGE_*``, falling back
            to ``AZURE_STORAGE_*``; the staging store) or ``"source"`` (``AZURE_STORAGE_*``; aem-sim).

    Raises:
        ValueError: an unknown scheme, a path after the container/bucket, an invalid name, or no
            Azure account configured for ``role``.
    """
    if url.startswith("file://"):
        return LocalFolderStore(unquote(urlparse(url).path))
    if "://" not in url:
        return LocalFolderStore(url)
    scheme, _, rest = url.partition("://")
    name = rest.rstrip("/")
    if scheme not in ("azure", "s3"):
        raise ValueError(f"unsupported store URL {url!r}: expected file:///dir, azure://container or s3://bucket")
    if not name or "/" in name:
        raise ValueError(f"Expected {scheme}://<name> without a path for the store URL but received {url!r}")
    if settings is None:
        from imgworker.config import load_settings

        settings = load_settings()
    if scheme == "s3":
        from imgworker.storage.s3 import S3Store

        return S3Store(name, **settings.s3_options())
    from imgworker.storage.azure import AzureBlobStore

    account = settings.azure_account(role)
    if account is None:
        wanted = "IMGIX_STORAGE_ACCOUNT/IMGIX_STORAGE_KEY or " if role == "imgix" else ""
        raise ValueError(
            f"{url}: no Azure account configured: set {wanted}AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY "
            "or AZURE_STORAGE_CONNECTION_STRING"
        )
    if account.connection_string and not account.account_key:  # e.g. a SharedAccessSignature= string
        return AzureBlobStore.from_connection_string(account.connection_string, name)
    return AzureBlobStore(
        name, account_name=account.account_name, account_key=account.account_key, blob_endpoint=account.blob_endpoint
    )


__all__ = [
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "ChunkStream",
    "LocalFolderStore",
    "MultipartStore",
    "MultipartUpload",
    "StoreAccessDenied",
    "StoreError",
    "check_key",
    "open_store",
]
