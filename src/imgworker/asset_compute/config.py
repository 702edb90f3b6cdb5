"""Configuration of the Asset Compute SDK: the only module that reads the environment.

Two frozen dataclasses:

* :class:`AssetComputeConfig`: transfer, events and timeout knobs, read once per activation with
  :meth:`AssetComputeConfig.from_env` (environment, then a ``.env`` file in the working directory).
  Where the reference stack has an environment variable for a knob, its name is honoured (spec 1.7):
  ``WORKER_TEST_MODE``, ``WORKER_BASE_DIRECTORY``, ``ASSET_COMPUTE_DISABLE_RETRIES``,
  ``ASSET_COMPUTE_TEST_RETRY_DURATION``, ``HTTP_TRANSFER_PREFERRED_PART_SIZE`` (parsed as an integer:
  the reference's string bug is fixed), ``NODE_HTTPTRANSFER_*``, ``NODE_FETCH_RETRY_*``,
  ``DISABLE_IO_EVENTS_ON_TIMEOUT``. Names starting ``ASSET_COMPUTE_`` are this port's own.
* :class:`ActivationContext`: the OpenWhisk activation (``__OW_ACTIVATION_ID``, ``__OW_ACTION_NAME``,
  ``__OW_DEADLINE`` in epoch ms, ``__OW_API_HOST``, ``__OW_API_KEY``, ``__OW_NAMESPACE``). OpenWhisk
  sends these as strings; they are parsed here.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values

EventsMode = Literal["auto", "file", "webhook", "ioevents", "log"]
MIB = 1024 * 1024
IO_EVENTS_URL = "https://eg-ingress.adobe.io/api/events"
IO_EVENTS_STAGE_URL = "https://eg-ingress-stage.adobe.io/api/events"
#: The worker ``imgworker test-worker``, ``web-action`` and the OpenWhisk zip use when none is named.
DEFAULT_WORKER_REF = "imgworker.worker.action:main"


def read_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` if given, else ``os.environ`` over the values of ``./.env`` (if the file exists)."""
    if env is not None:
        return dict(env)
    dotenv = Path.cwd() / ".env"
    values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None} if dotenv.is_file() else {}
    return {**values, **os.environ}


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _num(env: Mapping[str, str], name: str, default: float, scale: float = 1.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw) * scale
    except ValueError as exc:
        raise ValueError(f"Expected a number for `{name}` but received {raw!r}") from exc
    if value < 0:
        raise ValueError(f"Expected a number >= 0 for `{name}` but received {raw!r}")
    return value


@dataclass(frozen=True)
class AssetComputeConfig:
    """Knobs of the SDK. Durations in seconds, sizes in bytes. Defaults follow the reference."""

    allow_http: bool = False  # ASSET_COMPUTE_ALLOW_HTTP: accept http:// sources and targets
    ca_file: str | None = None  # ASSET_COMPUTE_CA_FILE: extra trusted CA bundle (like NODE_EXTRA_CA_CERTS)
    work_base: Path = Path("work")  # WORKER_BASE_DIRECTORY: work/<activationId>/{in,out}
    test_mode: bool = False  # WORKER_TEST_MODE: local file sources, no https checks, copies to test_out_dir
    local_files: bool = False  # IMGWORKER_LOCAL_FILES: paths / file:// URLs as sources and targets (local runs)
    test_in_dir: Path | None = None  # where test-mode sources are read from
    test_out_dir: Path | None = None  # where test-mode renditions are copied (rendition<i>.<fmt>)
    disable_retries: bool = False  # ASSET_COMPUTE_DISABLE_RETRIES
    retry_budget: float = 60.0  # NODE_HTTPTRANSFER_MAX_RETRY (ms): download and single PUT budget
    multipart_retry_budget: float = 900.0  # ASSET_COMPUTE_TEST_RETRY_DURATION (ms): multipart budget
    initial_wait: float = 0.1  # NODE_HTTPTRANSFER_INITIAL_WAIT (ms): first backoff delay
    backoff: float = 2.0  # NODE_HTTPTRANSFER_BACKOFF: delay multiplier per attempt
    read_timeout: float = 30.0  # NODE_HTTPTRANSFER_SOCKET_TIMEOUT (ms): socket read/write timeout
    preferred_part_size: int = 100 * MIB  # HTTP_TRANSFER_PREFERRED_PART_SIZE (bytes): ranged-download parts
    upload_preferred_part_size: int | None = None  # the same variable, only when set: stretches upload parts
    max_concurrent_parts: int = 8  # ASSET_COMPUTE_MAX_CONCURRENT_PARTS
    events_mode: EventsMode = "auto"  # ASSET_COMPUTE_EVENTS
    events_file: Path = Path("out/events.jsonl")  # ASSET_COMPUTE_EVENTS_FILE (JSON lines)
    io_events_url: str | None = None  # ASSET_COMPUTE_IO_EVENTS_URL (default: Adobe ingress)
    event_retry_budget: float = 60.0  # NODE_FETCH_RETRY_MAX_RETRY (ms)
    event_initial_wait: float = 0.1  # NODE_FETCH_RETRY_INITIAL_WAIT (ms)
    hmac_private_key: str | None = None  # ASSET_COMPUTE_HMAC_PRIVATE_KEY: base64 PEM, if params lack it
    timeout_buffer: float = 15.0  # failure events are sent at deadline - this
    disable_timeout_events: bool = False  # DISABLE_IO_EVENTS_ON_TIMEOUT
    jwt_public_key_file: str | None = None  # ASSET_COMPUTE_JWT_PUBLIC_KEY_FILE: verify RS256 tokens
    action_timeout: float = 600.0  # ASSET_COMPUTE_ACTION_TIMEOUT: deadline of in-process activations
    max_activations: int = 4  # ASSET_COMPUTE_MAX_ACTIVATIONS: concurrent in-process activations
    worker_ref: str = DEFAULT_WORKER_REF  # IMGWORKER_ASSET_COMPUTE_WORKER ("module:attr")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AssetComputeConfig:
        """Read the configuration; raises ``ValueError`` naming the variable on a malformed value."""
        e = read_env(env)
        mode = e.get("ASSET_COMPUTE_EVENTS", "auto").strip().lower() or "auto"
        if mode not in ("auto", "file", "webhook", "ioevents", "log"):
            raise ValueError(
                f"Expected auto, file, webhook, ioevents or log for `ASSET_COMPUTE_EVENTS` but received {mode!r}"
            )
        part = int(_num(e, "HTTP_TRANSFER_PREFERRED_PART_SIZE", 100 * MIB))
        if part <= 0:
            raise ValueError("Expected a positive integer for `HTTP_TRANSFER_PREFERRED_PART_SIZE`")
        return cls(
            allow_http=_bool(e.get("ASSET_COMPUTE_ALLOW_HTTP")),
            ca_file=e.get("ASSET_COMPUTE_CA_FILE") or None,
            work_base=Path(e.get("WORKER_BASE_DIRECTORY") or "work"),
            test_mode=_bool(e.get("WORKER_TEST_MODE")),
            local_files=_bool(e.get("IMGWORKER_LOCAL_FILES")),
            disable_retries=_bool(e.get("ASSET_COMPUTE_DISABLE_RETRIES")),
            retry_budget=_num(e, "NODE_HTTPTRANSFER_MAX_RETRY", 60.0, 0.001),
            multipart_retry_budget=_num(e, "ASSET_COMPUTE_TEST_RETRY_DURATION", 900.0, 0.001),
            initial_wait=_num(e, "NODE_HTTPTRANSFER_INITIAL_WAIT", 0.1, 0.001),
            backoff=_num(e, "NODE_HTTPTRANSFER_BACKOFF", 2.0),
            read_timeout=_num(e, "NODE_HTTPTRANSFER_SOCKET_TIMEOUT", 30.0, 0.001),
            preferred_part_size=part,
            upload_preferred_part_size=part if e.get("HTTP_TRANSFER_PREFERRED_PART_SIZE") else None,
            max_concurrent_parts=max(1, int(_num(e, "ASSET_COMPUTE_MAX_CONCURRENT_PARTS", 8))),
            events_mode=mode,  # type: ignore[arg-type]
            events_file=Path(e.get("ASSET_COMPUTE_EVENTS_FILE") or "out/events.jsonl"),
            io_events_url=e.get("ASSET_COMPUTE_IO_EVENTS_URL") or None,
            event_retry_budget=_num(e, "NODE_FETCH_RETRY_MAX_RETRY", 60.0, 0.001),
            event_initial_wait=_num(e, "NODE_FETCH_RETRY_INITIAL_WAIT", 0.1, 0.001),
            hmac_private_key=e.get("ASSET_COMPUTE_HMAC_PRIVATE_KEY") or None,
            disable_timeout_events=_bool(e.get("DISABLE_IO_EVENTS_ON_TIMEOUT")),
            jwt_public_key_file=e.get("ASSET_COMPUTE_JWT_PUBLIC_KEY_FILE") or None,
            action_timeout=_num(e, "ASSET_COMPUTE_ACTION_TIMEOUT", 600.0),
            max_activations=max(1, int(_num(e, "ASSET_COMPUTE_MAX_ACTIVATIONS", 4))),
            worker_ref=e.get("IMGWORKER_ASSET_COMPUTE_WORKER") or DEFAULT_WORKER_REF,
        )


@dataclass(frozen=True)
class ActivationContext:
    """One activation. ``action_name`` is the full ``/namespace/package/action`` path (or a bare name);
    ``deadline_ms`` is epoch milliseconds or None (no timeout handling)."""

    activation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    action_name: str = "worker"
    namespace: str | None = None
    deadline_ms: int | None = None
    api_host: str | None = None
    api_key: str | None = None

    @property
    def short_name(self) -> str:
        """Last segment of ``action_name``: the prefix of error locations (``<action>_upload``)."""
        return self.action_name.rstrip("/").rsplit("/", 1)[-1] or "worker"

    def time_left(self, now: float | None = None) -> float | None:
        """Seconds until the deadline, or None without a deadline."""
        if self.deadline_ms is None:
            return None
        return self.deadline_ms / 1000.0 - (time.time() if now is None else now)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActivationContext:
        """Read ``__OW_*`` (strings, as the OpenWhisk invoker sends them); missing values get defaults."""
        e = read_env(env)
        deadline = e.get("__OW_DEADLINE", "").strip()
        try:
            deadline_ms = int(float(deadline)) if deadline else None
        except ValueError as exc:
            raise ValueError(f"Expected epoch milliseconds for `__OW_DEADLINE` but received {deadline!r}") from exc
        return cls(
            activation_id=e.get("__OW_ACTIVATION_ID") or uuid.uuid4().hex,
            action_name=e.get("__OW_ACTION_NAME") or "worker",
            namespace=e.get("__OW_NAMESPACE") or None,
            deadline_ms=deadline_ms,
            api_host=e.get("__OW_API_HOST") or None,
            api_key=e.get("__OW_API_KEY") or None,
        )
