"""What ``imgworker config`` shows: the settings with secrets masked, and what is missing.

:meth:`Settings.masked <imgworker.config.Settings.masked>` and
:meth:`Settings.problems <imgworker.config.Settings.problems>` call :func:`masked_view` and
:func:`find_problems`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import SecretStr

from imgworker.config.endpoints import is_loopback
from imgworker.config.masking import mask, mask_connection_string, secret_value

if TYPE_CHECKING:
    from imgworker.config.settings import Settings


@dataclass(frozen=True)
class ConfigProblem:
    """One finding of :meth:`Settings.problems`: the variable to set and why; ``required=False`` is a warning."""

    variable: str
    message: str
    required: bool = True


def masked_view(settings: Settings) -> dict[str, str | None]:
    """Every variable by its environment name, secrets masked, plus ``(resolved)`` entries."""
    out: dict[str, str | None] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if name.endswith("connection_string"):
            shown = mask_connection_string(secret_value(value))
        elif isinstance(value, SecretStr):
            shown = mask(value.get_secret_value())
        else:
            shown = None if value is None else str(value)
        out[name.upper()] = shown
    out["(resolved) staging store"] = settings.staging_store_url
    if settings.uses_imgix_service:
        out["(resolved) renderer"] = f"imgix service https://{settings.imgix_domain_host}"
    elif settings.imgix_domain:
        out["(resolved) renderer"] = f"imgworker renderer already running at {settings.imgix_domain}"
    else:
        out["(resolved) renderer"] = "embedded renderer (started by each run on 127.0.0.1)"
    for role in ("source", "imgix"):
        acct = settings.azure_account(role)
        out[f"(resolved) azure {role} account"] = (
            f"{acct.account_name} at {acct.blob_endpoint} (from {acct.source})" if acct else None
        )
    return out


def find_problems(settings: Settings) -> list[ConfigProblem]:
    """What is missing or inconsistent for the configured mode (empty = ready)."""
    out: list[ConfigProblem] = []
    staging = settings.staging_store_url
    if staging.startswith("azure://"):
        acct = settings.azure_account("imgix")
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
    elif staging.startswith("s3://") and not (settings.aws_access_key_id and settings.aws_secret_access_key):
        out.append(
            ConfigProblem(
                "AWS_ACCESS_KEY_ID",
                f"staging store {staging}: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; boto3's default "
                "credential chain will be tried",
                required=False,
            )
        )
    if settings.uses_imgix_service:
        out.extend(_imgix_service_problems(settings, staging))
    if settings.azure_account("source") is None:
        out.append(
            ConfigProblem(
                "AZURE_STORAGE_ACCOUNT",
                "only needed by `imgworker aem-sim`: set AZURE_STORAGE_CONNECTION_STRING (Azurite) or "
                "AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY",
                required=False,
            )
        )
    return out


def _imgix_service_problems(settings: Settings, staging: str) -> list[ConfigProblem]:
    """What the real imgix service (``IMGIX_DOMAIN=<sub>.imgix.net``) needs: a token and a store it can reach."""
    out: list[ConfigProblem] = []
    if settings.imgix_secure_token is None:
        out.append(ConfigProblem("IMGIX_SECURE_TOKEN", "IMGIX_DOMAIN is an imgix.net domain: URLs must be signed"))
    if not (staging.startswith("azure://") or staging.startswith("s3://")):
        out.append(
            ConfigProblem(
                "IMGIX_STORAGE_ACCOUNT",
                f"the imgix service cannot read the local staging store {staging}: set "
                "IMGIX_STORAGE_ACCOUNT/IMGIX_STORAGE_KEY or IMGWORKER_STAGING_STORE=s3://<bucket>",
            )
        )
    acct = settings.azure_account("imgix")
    if staging.startswith("azure://") and acct is not None and acct.is_local:
        out.append(
            ConfigProblem(
                acct.source,
                f"the imgix service cannot reach {acct.blob_endpoint} (loopback)",
                required=False,
            )
        )
    if staging.startswith("s3://") and settings.s3_endpoint_url and is_loopback(settings.s3_endpoint_url):
        out.append(
            ConfigProblem(
                "S3_ENDPOINT_URL",
                f"the imgix service cannot reach {settings.s3_endpoint_url} (loopback)",
                required=False,
            )
        )
    return out
