"""imgworker.config: variables, .env, defaults, masking, problems; and the `imgworker config` command."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from imgworker.commands import config as command
from imgworker.config import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    DEFAULT_STAGING_STORE,
    Settings,
    is_imgix_domain,
    load_settings,
    mask,
    mask_connection_string,
)


def main(argv: list[str]) -> int:
    """Run ``imgworker {argv}`` through this command's own ``register`` (as imgworker.cli does)."""
    parser = argparse.ArgumentParser(prog="imgworker")
    command.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


KEY = "c2VjcmV0LWtleS1zZWNyZXQta2V5LXNlY3JldC1rZXk="
AZURITE_CS = (
    f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
    f"BlobEndpoint=http://127.0.0.1:10000/{AZURITE_ACCOUNT};"
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable from the developer's shell or .env leaks into these tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("my-source.imgix.net", True),
        ("https://my-source.imgix.net/", True),
        ("MY.IMGIX.NET", True),
        ("127.0.0.1:8080", False),
        ("localhost", False),
        ("imgix.net", False),
        ("a.b.imgix.net", False),
        ("evil.imgix.net.example.com", False),
        ("-bad.imgix.net", False),
        ("", False),
        (None, False),
    ],
)
def test_is_imgix_domain(domain: str | None, expected: bool) -> None:
    assert is_imgix_domain(domain) is expected


def test_defaults() -> None:
    s = load_settings(None)
    assert s.azure_storage_container_name == "source"
    assert s.imgix_storage_container_name == "imgix"
    assert s.staging_store_url == DEFAULT_STAGING_STORE
    assert s.uses_imgix_service is False
    assert s.azure_account("imgix") is None
    assert s.imgworker_staging_retention_days is None
    assert s.aws_region == "us-east-1"
    assert [p.required for p in s.problems()] == [False]  # only the aem-sim note


def test_env_file_and_environment_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / "custom.env"
    env.write_text(
        "IMGIX_DOMAIN=from-file.imgix.net\nIMGIX_SECURE_TOKEN=tok-from-file-123456\n"
        "IMGWORKER_STAGING_RETENTION_DAYS=\nAWS_DEFAULT_REGION=eu-west-1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("IMGIX_DOMAIN", "from-env.imgix.net")
    s = load_settings(env)
    assert s.imgix_domain == "from-env.imgix.net"  # the environment wins
    assert s.imgix_secure_token is not None
    assert s.imgix_secure_token.get_secret_value() == "tok-from-file-123456"
    assert s.imgworker_staging_retention_days is None  # empty = unset
    assert s.aws_region == "eu-west-1"
    (tmp_path / ".env").write_text("IMGIX_STORAGE_CONTAINER_NAME=from-dotenv\n", encoding="utf-8")
    assert load_settings().imgix_storage_container_name == "from-dotenv"  # .env in the working directory
    assert load_settings(None).imgix_storage_container_name == "imgix"


def test_settings_are_frozen() -> None:
    s = load_settings(None)
    with pytest.raises(ValidationError):
        s.imgix_domain = "x.imgix.net"


def test_negative_retention_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMGWORKER_STAGING_RETENTION_DAYS", "-1")
    with pytest.raises(ValidationError, match="imgworker_staging_retention_days"):
        load_settings(None)


def test_tutorial_variables_select_azure_staging(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AZURE_STORAGE_ACCOUNT": "aemacct",
        "AZURE_STORAGE_KEY": KEY,
        "AZURE_STORAGE_CONTAINER_NAME": "assets",
        "IMGIX_STORAGE_ACCOUNT": "imgixacct",
        "IMGIX_STORAGE_KEY": KEY,
        "IMGIX_STORAGE_CONTAINER_NAME": "staged",
        "IMGIX_SECURE_TOKEN": "secure-token-abcdef",
        "IMGIX_DOMAIN": "my-source.imgix.net",
    }.items():
        monkeypatch.setenv(name, value)
    s = load_settings(None)
    assert s.staging_store_url == "azure://staged"
    assert s.uses_imgix_service
    imgix = s.azure_account("imgix")
    assert imgix is not None
    assert (imgix.account_name, imgix.blob_endpoint) == ("imgixacct", "https://imgixacct.blob.core.windows.net")
    source = s.azure_account("source")
    assert source is not None and source.account_name == "aemacct"
    assert s.problems() == []


def test_imgix_account_falls_back_to_source_account() -> None:
    s = load_settings(None, azure_storage_connection_string=AZURITE_CS)
    acct = s.azure_account("imgix")
    assert acct is not None
    assert (acct.account_name, acct.account_key) == (AZURITE_ACCOUNT, AZURITE_KEY)
    assert acct.blob_endpoint == f"http://127.0.0.1:10000/{AZURITE_ACCOUNT}"
    assert acct.is_local
    assert s.staging_store_url == DEFAULT_STAGING_STORE  # IMGWORKER_STAGING_STORE decides, not the fallback


def test_use_development_storage() -> None:
    acct = load_settings(None, azure_storage_connection_string="UseDevelopmentStorage=true").azure_account("source")
    assert acct is not None
    assert (acct.account_name, acct.account_key) == (AZURITE_ACCOUNT, AZURITE_KEY)


def test_masking() -> None:
    assert mask(None) is None
    assert mask("short") == "****"
    assert mask("abcdefghijklmnop") == "****mnop"
    masked_cs = mask_connection_string(AZURITE_CS)
    assert masked_cs is not None
    assert AZURITE_KEY not in masked_cs and "AccountKey=****Gw==;" in masked_cs
    s = load_settings(
        None,
        azure_storage_connection_string=AZURITE_CS,
        imgix_storage_key=KEY,
        imgix_secure_token="secure-token-abcdef",
        aws_secret_access_key="aws-secret-aws-secret",
    )
    shown = json.dumps(s.masked())
    for secret in (AZURITE_KEY, KEY, "secure-token-abcdef", "aws-secret-aws-secret"):
        assert secret not in shown
    values = s.masked()
    assert values["IMGIX_SECURE_TOKEN"] == "****cdef"
    assert values["AZURE_STORAGE_CONTAINER_NAME"] == "source"
    assert values["(resolved) renderer"].startswith("embedded renderer")
    running = load_settings(None, imgix_domain="http://127.0.0.1:8080").masked()["(resolved) renderer"]
    assert running == "imgworker renderer already running at http://127.0.0.1:8080"
    assert values["(resolved) azure imgix account"] == (
        f"{AZURITE_ACCOUNT} at http://127.0.0.1:10000/{AZURITE_ACCOUNT} (from AZURE_STORAGE_CONNECTION_STRING)"
    )


def test_problems_for_real_imgix_with_local_staging() -> None:
    s = load_settings(None, imgix_domain="my-source.imgix.net")
    required = {p.variable for p in s.problems() if p.required}
    assert required == {"IMGIX_SECURE_TOKEN", "IMGIX_STORAGE_ACCOUNT"}


def test_problems_for_azure_staging_without_account() -> None:
    s = load_settings(None, imgworker_staging_store="azure://imgix")
    problems = [p for p in s.problems() if p.required]
    assert [p.variable for p in problems] == ["IMGIX_STORAGE_ACCOUNT"]
    assert "azure://imgix" in problems[0].message


def test_problems_warn_when_imgix_cannot_reach_loopback() -> None:
    s = load_settings(
        None,
        imgix_domain="my-source.imgix.net",
        imgix_secure_token="t" * 16,
        imgix_storage_connection_string=AZURITE_CS,
    )
    notes = [p for p in s.problems() if not p.required]
    assert any("loopback" in p.message for p in notes)
    assert not [p for p in s.problems() if p.required]


def test_s3_options() -> None:
    s = load_settings(
        None, s3_endpoint_url="http://127.0.0.1:5000", aws_access_key_id="id", aws_secret_access_key="secret"
    )
    assert s.s3_options() == {
        "endpoint_url": "http://127.0.0.1:5000",
        "region": "us-east-1",
        "access_key_id": "id",
        "secret_access_key": "secret",
        "session_token": None,
    }
    assert next(p.variable for p in load_settings(None, imgworker_staging_store="s3://b").problems()) == (
        "AWS_ACCESS_KEY_ID"
    )


# -- the command ----------------------------------------------------------------------------------


def test_config_command_text(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMGIX_SECURE_TOKEN", "secure-token-abcdef")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "IMGIX_SECURE_TOKEN" in out and "****cdef" in out
    assert "secure-token-abcdef" not in out
    assert re.search(rf"^\(resolved\) staging store +{re.escape(DEFAULT_STAGING_STORE)}$", out, re.M)
    assert "note: AZURE_STORAGE_ACCOUNT" in out


def test_config_command_reports_missing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    env = tmp_path / "imgix.env"
    env.write_text("IMGIX_DOMAIN=my-source.imgix.net\n", encoding="utf-8")
    assert main(["config", "--env-file", str(env), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["settings"]["IMGIX_DOMAIN"] == "my-source.imgix.net"
    assert {p["variable"] for p in payload["problems"] if p["required"]} == {
        "IMGIX_SECURE_TOKEN",
        "IMGIX_STORAGE_ACCOUNT",
    }


def test_config_command_invalid_value(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMGWORKER_STAGING_RETENTION_DAYS", "soon")
    assert main(["config"]) == 2
    assert "IMGWORKER_STAGING_RETENTION_DAYS" in capsys.readouterr().err
