"""imgworker.config.settings: variables, .env, defaults, what they resolve to."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config.env import KEY
from imgworker.config import DEFAULT_STAGING_STORE, load_settings


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
