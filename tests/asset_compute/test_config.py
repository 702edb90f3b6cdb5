"""config: environment parsing (reference variable names honoured) and the activation context."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from imgworker.asset_compute.config import MIB, ActivationContext, AssetComputeConfig, read_env


def test_defaults_follow_the_reference() -> None:
    cfg = AssetComputeConfig.from_env({})
    assert (cfg.retry_budget, cfg.multipart_retry_budget, cfg.initial_wait, cfg.backoff) == (60.0, 900.0, 0.1, 2.0)
    assert (cfg.read_timeout, cfg.preferred_part_size, cfg.timeout_buffer) == (30.0, 100 * MIB, 15.0)
    assert cfg.events_mode == "auto" and not cfg.allow_http and cfg.work_base == Path("work")


def test_reference_variables() -> None:
    cfg = AssetComputeConfig.from_env(
        {
            "HTTP_TRANSFER_PREFERRED_PART_SIZE": "5242880",  # a string: the reference's bug is fixed
            "NODE_HTTPTRANSFER_MAX_RETRY": "5000",
            "ASSET_COMPUTE_TEST_RETRY_DURATION": "1000",
            "NODE_FETCH_RETRY_MAX_RETRY": "2000",
            "ASSET_COMPUTE_DISABLE_RETRIES": "true",
            "WORKER_TEST_MODE": "1",
            "WORKER_BASE_DIRECTORY": "/tmp/w",
            "DISABLE_IO_EVENTS_ON_TIMEOUT": "yes",
            "ASSET_COMPUTE_EVENTS": "webhook",
            "ASSET_COMPUTE_ALLOW_HTTP": "on",
        }
    )
    assert cfg.preferred_part_size == 5 * MIB
    assert (cfg.retry_budget, cfg.multipart_retry_budget, cfg.event_retry_budget) == (5.0, 1.0, 2.0)
    assert cfg.disable_retries and cfg.test_mode and cfg.disable_timeout_events and cfg.allow_http
    assert cfg.work_base == Path("/tmp/w") and cfg.events_mode == "webhook"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HTTP_TRANSFER_PREFERRED_PART_SIZE": "big"}, "`HTTP_TRANSFER_PREFERRED_PART_SIZE`"),
        ({"HTTP_TRANSFER_PREFERRED_PART_SIZE": "0"}, "positive integer"),
        ({"NODE_HTTPTRANSFER_MAX_RETRY": "-1"}, ">= 0"),
        ({"ASSET_COMPUTE_EVENTS": "pigeon"}, "`ASSET_COMPUTE_EVENTS`"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AssetComputeConfig.from_env(env)


def test_activation_context_from_string_env() -> None:
    deadline = str(int(time.time() * 1000) + 60_000)
    ctx = ActivationContext.from_env(
        {
            "__OW_ACTIVATION_ID": "abc",
            "__OW_ACTION_NAME": "/ns/pkg/myworker",
            "__OW_DEADLINE": deadline,
            "__OW_API_HOST": "https://h",
            "__OW_API_KEY": "u:p",
            "__OW_NAMESPACE": "ns",
        }
    )
    assert (ctx.activation_id, ctx.short_name, ctx.namespace, ctx.deadline_ms) == (
        "abc",
        "myworker",
        "ns",
        int(deadline),
    )
    left = ctx.time_left()
    assert left is not None and 50 < left <= 60
    assert ActivationContext.from_env({}).time_left() is None
    with pytest.raises(ValueError, match="__OW_DEADLINE"):
        ActivationContext.from_env({"__OW_DEADLINE": "tomorrow"})


def test_dotenv_is_read_under_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("WORKER_BASE_DIRECTORY=/from/dotenv\nASSET_COMPUTE_EVENTS=log\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSET_COMPUTE_EVENTS", "file")
    env = read_env()
    assert env["WORKER_BASE_DIRECTORY"] == "/from/dotenv" and env["ASSET_COMPUTE_EVENTS"] == "file"
