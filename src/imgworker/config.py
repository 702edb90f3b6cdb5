"""imgworker's configuration: the one place that reads the environment (and ``.env``).

Variables (case-insensitive; the process environment wins over ``.env``; empty values count as
unset). The first eight are the imgix + Asset Compute tutorial's names:

=================================  ===================================================================
``AZURE_STORAGE_ACCOUNT``          account of the asset ("source") storage; used by ``aem-sim``
``AZURE_STORAGE_KEY``              its key (secret)
``AZURE_STORAGE_CONTAINER_NAME``   the source container (default ``source``)
``IMGIX_STORAGE_ACCOUNT``          account imgix reads from (the staging store); default: the above
``IMGIX_STORAGE_KEY``              its key (secret)
``IMGIX_STORAGE_CONTAINER_NAME``   the staging container (default ``imgix``)
``IMGIX_SECURE_TOKEN``             the imgix source's secure URL token (secret)
``IMGIX_DOMAIN``                   ``<sub>.imgix.net`` = the real imgix service over https; another
                                   URL (``http://127.0.0.1:8080``) = an imgworker renderer already
                                   running; unset = the embedded renderer, started per run
``AZURE_STORAGE_CONNECTION_STRING`` replaces account/key/endpoint for the source account (Azurite)
``AZURE_STORAGE_ENDPOINT``         blob endpoint (default ``https://<account>.blob.core.windows.net``)
``IMGIX_STORAGE_CONNECTION_STRING`` / ``IMGIX_STORAGE_ENDPOINT``  the same for the imgix account
``IMGWORKER_STAGING_STORE``        staging store URL: a path/``file://``, ``azure://<container>``,
                                   ``s3://<bucket>``; default ``azure://<IMGIX_STORAGE_CONTAINER_NAME>``
                                   when ``IMGIX_STORAGE_ACCOUNT`` is set, else ``.imgworker/staging``
``IMGWORKER_STAGING_RETENTION_DAYS`` unset = keep, ``0`` = delete after the job, N = purge after N days
``S3_ENDPOINT_URL``                S3-compatible endpoint (moto, MinIO); unset = AWS
``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN`` / ``AWS_REGION``
=================================  ===================================================================

Use :func:`load_settings`; :meth:`Settings.masked` and :meth:`Settings.problems` feed
``imgworker config``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STAGING_STORE = ".imgworker/staging"
"""The embedded default staging store: a local folder, relative to the working directory."""

AZURITE_ACCOUNT = "devstoreaccount1"
"""Azurite's well-known development account (public, the same in every emulator)."""

AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
"""Azurite's well-known development key (public)."""

_IMGIX_DOMAIN_RE = re.compile(r"^(?:https?://)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.imgix\.net)/?$", re.IGNORECASE)
_LOOPBACK_RE = re.compile(r"^https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/|$)", re.IGNORECASE)

Role = Literal["source", "imgix"]
"""Which Azure account: ``source`` (``AZURE_STORAGE_*``, AEM's side) or ``imgix`` (``IMGIX_STORAGE_*``)."""


def is_imgix_domain(domain: str | None) -> bool:
    """True if ``domain`` is a real imgix domain ``<sub>.imgix.net`` (optionally with ``https://``).

    Then URLs go to the imgix service over https and the embedded renderer is not started; another
    value (``http://127.0.0.1:8080``) names an imgworker renderer already running (every parameter is
    then checked against what imgworker implements); unset means the embedded renderer.
    """
    return bool(domain and _IMGIX_DOMAIN_RE.match(domain.strip()))


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def mask(value: str | None) -> str | None:
    """``"****"`` plus the last 4 characters of values longer than 12 characters; ``None`` stays ``None``."""
    if value is None:
        return None
    return "****" + value[-4:] if len(value) > 12 else "****"


def mask_connection_string(value: str | None) -> str | None:
    """The connection string with ``AccountKey=`` and ``SharedAccessSignature=`` values masked."""
    if value is None:
        return None
    parts = []
    for part in value.split(";"):
        name, sep, val = part.partition("=")
        if sep and name.strip().lower() in ("accountkey", "sharedaccesssignature"):
            val = mask(val) or ""
        parts.append(f"{name}{sep}{val}")
    return ";".join(parts)


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
        return bool(_LOOPBACK_RE.match(self.blob_endpoint))


class Settings(BaseSettings):
    """The resolved configuration (frozen). Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        case_sensitive=False,
        env_ignore_empty=True,
    )

    azure_storage_account: str | None = None
    azure_storage_key: SecretStr | None = None
    azure_storage_container_name: str = "source"
    azure_storage_connection_string: SecretStr | None = None
    azure_storage_endpoint: str | None = None

    imgix_storage_account: str | None = None
    imgix_storage_key: SecretStr | None = None
    imgix_storage_container_name: str = "imgix"
    imgix_storage_connection_string: SecretStr | None = None
    imgix_storage_endpoint: str | None = None

    imgix_secure_token: SecretStr | None = None
    imgix_domain: str | None = None

    imgworker_staging_store: str | None = None
    imgworker_fetch_timeout: float = Field(default=60.0, gt=0)
    imgworker_staging_retention_days: float | None = Field(default=None, ge=0)

    s3_endpoint_url: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    aws_region: str = Field(default="us-east-1", validation_alias=AliasChoices("aws_region", "aws_default_region"))

    # -- derived ---------------------------------------------------------------------------------

    @property
    def uses_imgix_service(self) -> bool:
        """True when ``IMGIX_DOMAIN`` is ``<sub>.imgix.net`` (real imgix; no embedded renderer)."""
        return is_imgix_domain(self.imgix_domain)

    @property
    def staging_store_url(self) -> str:
        """Where staged sources go (``IMGWORKER_STAGING_STORE``, or the tutorial's imgix container, or local)."""
        if self.imgworker_staging_store:
            return self.imgworker_staging_store
        if self.imgix_storage_account or self.imgix_storage_connection_string:
            return f"azure://{self.imgix_storage_container_name}"
        return DEFAULT_STAGING_STORE

    def azure_account(self, role: Role = "imgix") -> AzureAccount | None:
        """Credentials for ``role``; ``imgix`` falls back to the ``source`` account when its own are unset.

        Returns ``None`` when no account is configured for the role.
        """
        if role == "imgix":
            own = self._account(
                "IMGIX_STORAGE",
                self.imgix_storage_connection_string,
                self.imgix_storage_account,
                self.imgix_storage_key,
                self.imgix_storage_endpoint,
            )
            if own is not None:
                return own
        return self._account(
            "AZURE_STORAGE",
            self.azure_storage_connection_string,
            self.azure_storage_account,
            self.azure_storage_key,
            self.azure_storage_endpoint,
        )

    @staticmethod
    def _account(
        prefix: str, conn: SecretStr | None, account: str | None, key: SecretStr | None, endpoint: str | None
    ) -> AzureAccount | None:
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
            return AzureAccount(account, _secret(key), blob, None, f"{prefix}_ACCOUNT")
        return None

    def s3_options(self) -> dict[str, Any]:
        """Keyword arguments for :class:`imgworker.storage.s3.S3Store` (endpoint, region, credentials)."""
        return {
            "endpoint_url": self.s3_endpoint_url,
            "region": self.aws_region,
            "access_key_id": self.aws_access_key_id,
            "secret_access_key": _secret(self.aws_secret_access_key),
            "session_token": _secret(self.aws_session_token),
        }

    # -- reporting -------------------------------------------------------------------------------

    def masked(self) -> dict[str, str | None]:
        """Every variable by its environment name, secrets masked, plus ``(resolved)`` entries."""
        out: dict[str, str | None] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name.endswith("connection_string"):
                shown = mask_connection_string(_secret(value))
            elif isinstance(value, SecretStr):
                shown = mask(value.get_secret_value())
            else:
                shown = None if value is None else str(value)
            out[name.upper()] = shown
        out["(resolved) staging store"] = self.staging_store_url
        if self.uses_imgix_service:
            out["(resolved) renderer"] = f"imgix service https://{self.imgix_domain_host}"
        elif self.imgix_domain:
            out["(resolved) renderer"] = f"imgworker renderer already running at {self.imgix_domain}"
        else:
            out["(resolved) renderer"] = "embedded renderer (started by each run on 127.0.0.1)"
        for role in ("source", "imgix"):
            acct = self.azure_account(role)
            out[f"(resolved) azure {role} account"] = (
                f"{acct.account_name} at {acct.blob_endpoint} (from {acct.source})" if acct else None
            )
        return out

    @property
    def imgix_domain_host(self) -> str | None:
        """``IMGIX_DOMAIN`` without scheme or trailing slash."""
        if not self.imgix_domain:
            return None
        return re.sub(r"^https?://", "", self.imgix_domain.strip(), flags=re.IGNORECASE).rstrip("/")

    def problems(self) -> list[ConfigProblem]:
        """What is missing or inconsistent for the configured mode (empty = ready)."""
        out: list[ConfigProblem] = []
        staging = self.staging_store_url
        if staging.startswith("azure://"):
            acct = self.azure_account("imgix")
            if acct is None:
                out.append(
                    ConfigProblem(
                        "IMGIX_STORAGE_ACCOUNT",
                        f"staging store {staging} needs an Azure account: set IMGIX_STORAGE_ACCOUNT and "
                        "IMGIX_STORAGE_KEY (or IMGIX_/AZURE_STORAGE_CONNECTION_STRING)",
                    )
                )
            elif not acct.account_key:
                out.append(
                    ConfigProblem(f"{acct.source}", "no account key: staging works but presigned URLs cannot be made")
                )
        elif staging.startswith("s3://") and not (self.aws_access_key_id and self.aws_secret_access_key):
            out.append(
                ConfigProblem(
                    "AWS_ACCESS_KEY_ID",
                    f"staging store {staging}: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; boto3's default "
                    "credential chain will be tried",
                    required=False,
                )
            )
        if self.uses_imgix_service:
            if self.imgix_secure_token is None:
                out.append(
                    ConfigProblem("IMGIX_SECURE_TOKEN", "IMGIX_DOMAIN is an imgix.net domain: URLs must be signed")
                )
            if not (staging.startswith("azure://") or staging.startswith("s3://")):
                out.append(
                    ConfigProblem(
                        "IMGIX_STORAGE_ACCOUNT",
                        f"the imgix service cannot read the local staging store {staging}: set "
                        "IMGIX_STORAGE_ACCOUNT/IMGIX_STORAGE_KEY or IMGWORKER_STAGING_STORE=s3://<bucket>",
                    )
                )
            acct = self.azure_account("imgix")
            if staging.startswith("azure://") and acct is not None and acct.is_local:
                out.append(
                    ConfigProblem(
                        acct.source,
                        f"the imgix service cannot reach {acct.blob_endpoint} (loopback)",
                        required=False,
                    )
                )
            if staging.startswith("s3://") and self.s3_endpoint_url and _LOOPBACK_RE.match(self.s3_endpoint_url):
                out.append(
                    ConfigProblem(
                        "S3_ENDPOINT_URL",
                        f"the imgix service cannot reach {self.s3_endpoint_url} (loopback)",
                        required=False,
                    )
                )
        if self.azure_account("source") is None:
            out.append(
                ConfigProblem(
                    "AZURE_STORAGE_ACCOUNT",
                    "only needed by `imgworker aem-sim`: set AZURE_STORAGE_CONNECTION_STRING (Azurite) or "
                    "AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY",
                    required=False,
                )
            )
        return out


@dataclass(frozen=True)
class ConfigProblem:
    """One finding of :meth:`Settings.problems`: the variable to set and why; ``required=False`` is a warning."""

    variable: str
    message: str
    required: bool = True


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read the environment and ``env_file`` (missing file = fine; ``None`` = no file).

    ``overrides`` (field names, e.g. ``imgix_domain="x.imgix.net"``) win over both; for tests.

    Raises:
        pydantic.ValidationError: a value of the wrong type (e.g. a negative retention).
    """
    return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
