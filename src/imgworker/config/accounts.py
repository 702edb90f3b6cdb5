"""Azure storage accounts: connection strings, Azurite's development account, resolved credentials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from imgworker.config.endpoints import is_loopback
from imgworker.config.masking import secret_value

AZURITE_ACCOUNT = "devstoreaccount1"
"""Azurite's well-known development account (public, the same in every emulator)."""

AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
"""Azurite's well-known development key (public)."""

Role = Literal["source", "imgix"]
"""Which Azure account: ``source`` (``AZURE_STORAGE_*``, AEM's side) or ``imgix`` (``IMGIX_STORAGE_*``)."""


def parse_connection_string(value: str) -> dict[str, str]:
    """``Key=Value;...`` pairs of an Azure connection string (keys as written)."""
    pairs = (p.partition("=") for p in value.split(";") if p.strip())
    return {k.strip(): v.strip() for k, sep, v in pairs if sep}


@dataclass(frozen=True)
class AzureAccount:
    """Resolved credentials of one Azure storage account.

    Either ``connection_string`` (used as is), or ``account_name`` + ``account_key`` +
    ``blob_endpoint``. ``source`` names the variables they came from, for messages.
    """

    account_name: str
    account_key: str | None
    blob_endpoint: str
    connection_string: str | None
    source: str

    @property
    def is_local(self) -> bool:
        """True when the endpoint is on loopback (Azurite): imgix's cloud cannot read it."""
        return is_loopback(self.blob_endpoint)


def resolve_account(
    prefix: str, conn: SecretStr | None, account: str | None, key: SecretStr | None, endpoint: str | None
) -> AzureAccount | None:
    """The account named by ``<prefix>_CONNECTION_STRING`` (first) or ``<prefix>_ACCOUNT``/``_KEY``/``_ENDPOINT``.

    ``UseDevelopmentStorage=true`` means Azurite on ``127.0.0.1:10000``. ``None`` when neither is set.
    """
    if conn is not None:
        cs = conn.get_secret_value()
        parts = {k.lower(): v for k, v in parse_connection_string(cs).items()}
        key_value: str | None
        if parts.get("usedevelopmentstorage", "").lower() == "true":
            name, key_value, blob = AZURITE_ACCOUNT, AZURITE_KEY, f"http://127.0.0.1:10000/{AZURITE_ACCOUNT}"
        else:
            name, key_value = parts.get("accountname", ""), parts.get("accountkey")
            blob = parts.get("blobendpoint") or (
                f"{parts.get('defaultendpointsprotocol', 'https')}://{name}.blob."
                f"{parts.get('endpointsuffix', 'core.windows.net')}"
            )
        return AzureAccount(name, key_value, blob.rstrip("/"), cs, f"{prefix}_CONNECTION_STRING")
    if account:
        blob = (endpoint or f"https://{account}.blob.core.windows.net").rstrip("/")
        return AzureAccount(account, secret_value(key), blob, None, f"{prefix}_ACCOUNT")
    return None
