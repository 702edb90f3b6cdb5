"""Settings of ``imgworker serve`` (the only devtool code that reads the environment).

Variables (a ``.env`` file in the working directory is read first; existing variables win):

- ``IMGWORKER_HOST`` (default ``127.0.0.1``) and ``IMGWORKER_PORT`` (default ``8000``): where the
  service listens. Binding another address than loopback must be asked for explicitly.
- ``IMGWORKER_DEVTOOL_DIR`` (default ``.imgworker/devtool``): ``uploads/`` (sources uploaded through
  the page or the API) and ``outputs/<job id>/`` (renditions the service wrote).
- ``IMGWORKER_EXAMPLES_DIR`` (default ``examples/photos``): read-only sources offered by the page;
  ignored when the folder does not exist.
- ``IMGWORKER_MAX_UPLOAD_BYTES`` (default 52428800 = 50 MiB): largest accepted upload.
- ``IMGWORKER_MAX_JOBS`` (default 2): jobs run at the same time; more wait their turn.
- ``IMGWORKER_KEEP_JOBS`` (default 50): output folders kept; older ones of finished jobs are deleted
  (a queued or running job's folder never is).
- ``IMGWORKER_MAX_RENDITIONS`` (default 50): renditions accepted in one request.
- ``IMGWORKER_LOG_LEVEL`` (default ``info``): ``debug``, ``info``, ``warning``, ``error``.
- ``IMGWORKER_SHUTDOWN_TIMEOUT`` (default 30): seconds running requests get on SIGTERM/SIGINT.
- the worker's variables (``IMGIX_DOMAIN``, ``IMGIX_SECURE_TOKEN``, ``IMGWORKER_STAGING_STORE``,
  ``IMGWORKER_FETCH_TIMEOUT``): see :mod:`imgworker.worker.config`. With ``IMGIX_DOMAIN`` unset the
  worker inside the service uses the service's own renderer; ``IMGIX_SECURE_TOKEN`` unset: a random
  token is drawn at start-up.

Raises :class:`ValueError` naming the variable for a value that is not a number or out of range.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from imgworker.worker.config import WorkerConfig

LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class ServiceSettings:
    """Everything ``imgworker serve`` needs; see the module docstring for variables and defaults."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".imgworker/devtool")
    examples_dir: Path | None = Path("examples/photos")
    max_upload_bytes: int = 50 * 1024 * 1024
    max_jobs: int = 2
    keep_jobs: int = 50
    max_renditions: int = 50
    log_level: str = "info"
    shutdown_timeout: float = 30.0
    worker: WorkerConfig = field(default_factory=WorkerConfig)

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def outputs_dir(self) -> Path:
        return self.data_dir / "outputs"

    @classmethod
    def from_env(cls, env: Mapping[str, str | None] | None = None, env_file: str = ".env") -> ServiceSettings:
        """Read the variables of ``env`` (default ``os.environ``) over those of ``env_file``.

        Raises:
            ValueError: a number that does not parse or is below its minimum, or an unknown log level.
        """
        values: dict[str, str | None] = dict(dotenv_values(env_file)) if os.path.exists(env_file) else {}
        values.update(os.environ if env is None else env)
        examples = values.get("IMGWORKER_EXAMPLES_DIR")
        level = (values.get("IMGWORKER_LOG_LEVEL") or "info").lower()
        if level not in LOG_LEVELS:
            raise ValueError(f"Expected one of {', '.join(LOG_LEVELS)} for IMGWORKER_LOG_LEVEL but received {level!r}")
        return cls(
            host=values.get("IMGWORKER_HOST") or "127.0.0.1",
            port=_int(values, "IMGWORKER_PORT", 8000, 0),
            data_dir=Path(values.get("IMGWORKER_DEVTOOL_DIR") or ".imgworker/devtool"),
            examples_dir=Path(examples) if examples else Path("examples/photos"),
            max_upload_bytes=_int(values, "IMGWORKER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, 1),
            max_jobs=_int(values, "IMGWORKER_MAX_JOBS", 2, 1),
            keep_jobs=_int(values, "IMGWORKER_KEEP_JOBS", 50, 1),
            max_renditions=_int(values, "IMGWORKER_MAX_RENDITIONS", 50, 1),
            log_level=level,
            shutdown_timeout=float(_int(values, "IMGWORKER_SHUTDOWN_TIMEOUT", 30, 0)),
            worker=WorkerConfig.from_env(values, env_file=env_file),
        )


def _int(values: Mapping[str, str | None], name: str, default: int, minimum: int) -> int:
    text = values.get(name)
    if not text:
        return default
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"Expected an integer for {name} but received {text!r}") from None
    if number < minimum:
        raise ValueError(f"Expected an integer >= {minimum} for {name} but received {number}")
    return number
