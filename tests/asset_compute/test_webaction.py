"""webaction: the web-action hop as OpenWhisk runs it (405/401, params, self-invocation)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from imgworker.asset_compute import AssetComputeConfig, worker
from imgworker.asset_compute.tokens import load_private_key
from imgworker.asset_compute.webaction import WebActionError, build_async_params
from plugins.asset_compute import Recorder, Reference, make_jwt

TOKEN = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJjbGllbnRfaWQiOiJqd3QtY2xpZW50LWlkIiwiYXMiOiJpbXMtbmExIiwidHlwZSI6Im"
    "FjY2Vzc190b2tlbiJ9.c2ln"
)
HEADERS = {
    "authorization": f"Bearer {TOKEN}",
    "x-gw-ims-org-id": "WEBORG@AdobeOrg",
    "x-gw-ims-org-name": "Web Org",
    "x-app-name": "web-app",
    "x-request-id": "req-web",
}


def never(*args: Any) -> None:
    raise AssertionError("the web hop must not process")


def test_web_action_reinvokes_itself_like_the_reference(
    recorder: Recorder, reference: Reference, ac_config: AssetComputeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("__OW_API_HOST", recorder.base)
    monkeypatch.setenv("__OW_API_KEY", "user:pass")
    monkeypatch.setenv("__OW_ACTION_NAME", "/testns/testpkg/myworker")
    [want] = reference.items("webaction", recorder.base)
    body = {k: want["json"][k] for k in ("source", "renditions", "userData", "times")}
    args = {"__ow_method": "post", "__ow_headers": HEADERS, "__ow_path": "", **body, "newRelicApiKey": "dropped"}
    result = worker(never, config=ac_config)(args)

    assert result == {"statusCode": 200, "body": {"activationId": "0123456789abcdef0123456789abcdef"}}
    [req] = recorder.find("POST", "/api/v1/namespaces/")
    assert req.path == want["path"].rstrip("?")
    assert req.headers["authorization"] == "Basic " + base64.b64encode(b"user:pass").decode()
    expected = {k: v for k, v in want["json"].items() if not k.startswith("newRelic")}  # deviation: no New Relic
    assert req.json == expected


def test_failed_reinvocation(
    recorder: Recorder, ac_config: AssetComputeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("__OW_API_HOST", recorder.base)
    monkeypatch.setenv("__OW_ACTION_NAME", "/testns/testpkg/myworker")
    recorder.respond("POST", "/api/v1/", 429, 502)
    args = {"__ow_method": "post", "__ow_headers": HEADERS, "renditions": []}
    message = "Async invocation of /testns/testpkg/myworker failed with HTTP status code {}"
    assert worker(never, config=ac_config)(args) == {"statusCode": 429, "body": {"message": message.format(429)}}
    assert worker(never, config=ac_config)(args) == {"statusCode": 500, "body": {"message": message.format(502)}}
    monkeypatch.delenv("__OW_API_HOST")
    assert worker(never, config=ac_config)(args)["statusCode"] == 500


@pytest.mark.parametrize(
    ("method", "headers", "status", "message"),
    [
        ("get", HEADERS, 405, "Supported HTTP methods: OPTIONS, POST"),
        ("post", {}, 401, "Missing Oauth token"),
        ("post", {"authorization": "Bearer "}, 401, "Missing Oauth token"),
        ("post", {"authorization": "Bearer not.a.jwt"}, 401, "Invalid token"),
        ("post", {"authorization": "Bearer abc"}, 401, "Invalid token"),
    ],
)
def test_refusals(
    method: str, headers: dict[str, str], status: int, message: str, ac_config: AssetComputeConfig
) -> None:
    result = worker(never, config=ac_config)({"__ow_method": method, "__ow_headers": headers})
    assert result == {"statusCode": status, "body": {"message": message}}


def test_params_of_the_async_hop(ac_config: AssetComputeConfig) -> None:
    params = build_async_params(
        "POST", {"Authorization": TOKEN}, {"renditions": [{}], "requestId": "body-id"}, ac_config
    )
    assert params == {
        "renditions": [{}],
        "requestId": "body-id",
        "customWorker": True,
        "auth": {"accessToken": TOKEN, "clientId": "jwt-client-id"},
    }


def test_token_verification_when_a_public_key_is_configured(
    tmp_path: Path, ac_config: AssetComputeConfig, webhook_key: tuple[str, rsa.RSAPublicKey]
) -> None:
    key = load_private_key(webhook_key[0])
    pem = tmp_path / "ims.pem"
    pem.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    config = replace(ac_config, jwt_public_key_file=str(pem))
    good = make_jwt(key, {"client_id": "signed"})
    assert build_async_params("post", {"authorization": f"Bearer {good}"}, {}, config)["auth"]["clientId"] == "signed"
    with pytest.raises(WebActionError) as info:
        build_async_params("post", {"authorization": f"Bearer {TOKEN}"}, {}, config)
    assert (info.value.status, info.value.message) == (401, "Invalid token")
    assert json.dumps(info.value.response()) == '{"statusCode": 401, "body": {"message": "Invalid token"}}'
