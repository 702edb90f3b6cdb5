"""Settings of the imgix custom worker (the only worker code that reads the environment).

Variables (names from the original Adobe tutorial where it has them):

- ``IMGIX_DOMAIN``: ``<sub>.imgix.net`` for the real imgix service (https), or the base URL of an
  imgworker renderer already running (``http://127.0.0.1:8080``); unset: the run starts the embedded
  renderer on 127.0.0.1 with a random port and a random token.
- ``IMGIX_SECURE_TOKEN``: the source's secure URL token (required with ``IMGIX_DOMAIN``).
- ``IMGWORKER_STAGING_STORE``: where sources are staged (the store imgix reads): a folder path or
  ``file://`` URL (default ``.imgworker/staging``); Azure/S3 URLs with the storage backends.
- ``IMGWORKER_FETCH_TIMEOUT``: seconds for one renderer request (default 60).

A ``.env`` file in the working directory is read first (existing variables win).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from dotenv import dotenv_values


@dataclass(frozen=True)
class WorkerConfig:
    imgix_domain: str | None = None
    secure_token: str | None = None
    staging_store: str = ".imgworker/staging"
    fetch_timeout: float = 60.0

    @property
    def embedded(self) -> bool:
        """True when the run must start its own renderer."""
        return not self.imgix_domain

    @property
    def real_imgix(self) -> bool:
        """True for ``*.imgix.net`` (every parameter is then imgix's own to implement)."""
        host = (self.imgix_domain or "").split("://")[-1].split("/")[0].split(":")[0]
        return host.endswith(".imgix.net")

    @property
    def base_url(self) -> str:
        domain = self.imgix_domain or ""
        return domain if "://" in domain else f"https://{domain}"

    @classmethod
    def from_env(cls, env: Mapping[str, str | None] | None = None, env_file: str = ".env") -> WorkerConfig:
        values: dict[str, str | None] = dict(dotenv_values(env_file)) if os.path.exists(env_file) else {}
        values.update(os.environ if env is None else env)
        return cls(
            imgix_domain=values.get("IMGIX_DOMAIN") or None,
            secure_token=values.get("IMGIX_SECURE_TOKEN") or None,
            staging_store=values.get("IMGWORKER_STAGING_STORE") or ".imgworker/staging",
            fetch_timeout=float(values.get("IMGWORKER_FETCH_TIMEOUT") or 60.0),
        )
