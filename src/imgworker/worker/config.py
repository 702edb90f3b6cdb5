"""Settings of the imgix custom worker, resolved from :mod:`imgworker.config` (the one package that
reads the environment and ``.env``).

- ``IMGIX_DOMAIN``: ``<sub>.imgix.net`` for the real imgix service (https), or the base URL of an
  imgworker renderer already running (``http://127.0.0.1:8080``); unset: the run starts the embedded
  renderer on 127.0.0.1 with a random port and a random token.
- ``IMGIX_SECURE_TOKEN``: the source's secure URL token (required with ``IMGIX_DOMAIN``).
- the staging store: ``IMGWORKER_STAGING_STORE`` (a folder, ``file://``, ``azure://container``,
  ``s3://bucket``), else the tutorial's ``IMGIX_STORAGE_*`` container, else ``.imgworker/staging``.
- ``IMGWORKER_FETCH_TIMEOUT``: seconds for one renderer request (default 60).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from imgworker.config import Settings, is_imgix_domain, load_settings


@dataclass(frozen=True)
class WorkerConfig:
    imgix_domain: str | None = None
    secure_token: str | None = None
    staging_store: str = ".imgworker/staging"
    fetch_timeout: float = 60.0
    staging_retention_days: float | None = None  # IMGWORKER_STAGING_RETENTION_DAYS (0: delete after the job)

    @property
    def embedded(self) -> bool:
        """True when the run must start its own renderer."""
        return not self.imgix_domain

    @property
    def real_imgix(self) -> bool:
        """True for ``*.imgix.net`` (every parameter is then imgix's own to implement)."""
        return is_imgix_domain(self.imgix_domain)

    @property
    def base_url(self) -> str:
        domain = self.imgix_domain or ""
        return domain if "://" in domain else f"https://{domain}"

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        token = settings.imgix_secure_token
        return cls(
            imgix_domain=settings.imgix_domain or None,
            secure_token=token.get_secret_value() if token else None,
            staging_store=settings.staging_store_url,
            fetch_timeout=settings.imgworker_fetch_timeout,
            staging_retention_days=settings.imgworker_staging_retention_days,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str | None] | None = None, env_file: str = ".env") -> WorkerConfig:
        """From the environment and ``env_file``; ``env`` (variable name -> value) wins over both."""
        overrides = {k.lower(): v for k, v in (env or {}).items() if v and k.lower() in Settings.model_fields}
        return cls.from_settings(load_settings(env_file if Path(env_file).exists() else None, **overrides))
