"""The pydantic :class:`Settings`: the variables, their defaults, and what they resolve to.

The variables are listed in :mod:`imgworker.config`; build the settings with :func:`load_settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from imgworker.config.accounts import AzureAccount, Role, resolve_account
from imgworker.config.endpoints import domain_host, is_imgix_domain
from imgworker.config.masking import secret_value
from imgworker.config.report import ConfigProblem, find_problems, masked_view

DEFAULT_STAGING_STORE = ".imgworker/staging"
"""The embedded default staging store: a local folder, relative to the working directory."""


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
            own = resolve_account(
                "IMGIX_STORAGE",
                self.imgix_storage_connection_string,
                self.imgix_storage_account,
                self.imgix_storage_key,
                self.imgix_storage_endpoint,
            )
            if own is not None:
                return own
        return resolve_account(
            "AZURE_STORAGE",
            self.azure_storage_connection_string,
            self.azure_storage_account,
            self.azure_storage_key,
            self.azure_storage_endpoint,
        )

    def s3_options(self) -> dict[str, Any]:
        """Keyword arguments for :class:`imgworker.storage.s3.S3Store` (endpoint, region, credentials)."""
        return {
            "endpoint_url": self.s3_endpoint_url,
            "region": self.aws_region,
            "access_key_id": self.aws_access_key_id,
            "secret_access_key": secret_value(self.aws_secret_access_key),
            "session_token": secret_value(self.aws_session_token),
        }

    @property
    def imgix_domain_host(self) -> str | None:
        """``IMGIX_DOMAIN`` without scheme or trailing slash."""
        if not self.imgix_domain:
            return None
        return domain_host(self.imgix_domain)

    # -- reporting (imgworker.config.report) -----------------------------------------------------

    def masked(self) -> dict[str, str | None]:
        """Every variable by its environment name, secrets masked, plus ``(resolved)`` entries."""
        return masked_view(self)

    def problems(self) -> list[ConfigProblem]:
        """What is missing or inconsistent for the configured mode (empty = ready)."""
        return find_problems(self)


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read the environment and ``env_file`` (missing file = fine; ``None`` = no file).

    ``overrides`` (field names, e.g. ``imgix_domain="x.imgix.net"``) win over both; for tests.

    Raises:
        pydantic.ValidationError: a value of the wrong type (e.g. a negative retention).
    """
    return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
