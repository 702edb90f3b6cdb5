"""Secrets: unwrapping pydantic's ``SecretStr`` and masking values for display."""

from __future__ import annotations

from pydantic import SecretStr


def secret_value(value: SecretStr | None) -> str | None:
    """The plain value of ``value``; ``None`` stays ``None``."""
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
