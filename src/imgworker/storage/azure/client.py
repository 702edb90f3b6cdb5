"""The connection half of :class:`~imgworker.storage.azure.AzureBlobStore`: client, errors, container.

:class:`AzureContainer` holds the ``BlobServiceClient`` and the container client, maps SDK errors to
the store's (401/403 -> :class:`StoreAccessDenied`, 404 -> :class:`BlobNotFound`, a missing
container on a write -> :class:`StoreError`, anything else -> :class:`StoreError`) and creates or
deletes the container.
"""

from __future__ import annotations

import re
from typing import Any, Self

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.storage.blob import BlobServiceClient, ExponentialRetry

from imgworker.storage.base import BlobNotFound, StoreAccessDenied, StoreError

_CONTAINER_RE = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$")
_CHUNK = 4 * 1024 * 1024


def check_container_name(name: str) -> str:
    """Return ``name`` if it is a valid Azure container name (3-63 of ``a-z 0-9 -``), else ValueError."""
    if not _CONTAINER_RE.match(name):
        raise ValueError(
            f"Expected 3-63 lowercase letters, digits or single hyphens for the Azure container name "
            f"but received {name!r}"
        )
    return name


def error_code(exc: AzureError) -> str:
    """Azure's error code of ``exc`` (``ContainerNotFound``, ``AuthorizationFailure`` ...), or ``""``."""
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


class AzureContainer:
    """One container of one account: the clients, error mapping and container calls.

    The arguments are :class:`~imgworker.storage.azure.AzureBlobStore`'s.

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

    def close(self) -> None:
        """Close the clients' connection pool (a store made for one upload should not leave sockets)."""
        self._container.close()
        self._service.close()

    @classmethod
    def from_connection_string(cls, connection_string: str, container: str, **client_options: Any) -> Self:
        """A store from a connection string (``AccountName``, ``AccountKey``, ``BlobEndpoint``,
        or ``SharedAccessSignature``).

        Raises:
            ValueError: the connection string cannot be parsed, or the container name is invalid.
        """
        with BlobServiceClient.from_connection_string(connection_string) as service:  # only parses it
            account_key = getattr(service.credential, "account_key", None)
            endpoint, _, sas = service.url.partition("?")
            account_name = service.account_name or ""
        return cls(
            container,
            account_name=account_name,
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
        code = error_code(exc)
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
