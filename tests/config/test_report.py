"""imgworker.config.report: the masked view and the problems `imgworker config` prints."""

from __future__ import annotations

import json

from config.env import AZURITE_CS, KEY
from imgworker.config import AZURITE_ACCOUNT, AZURITE_KEY, load_settings


def test_masked_view() -> None:
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
