"""tokens: JWT decoding/verification and the webhook RSA-SHA256 signature."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from imgworker.asset_compute.tokens import (
    TokenError,
    decode_jwt,
    load_private_key,
    sign_webhook_body,
    verify_jwt_rs256,
    verify_webhook_signature,
)
from plugins.asset_compute import make_jwt

#: the unsigned token of the reference web-action run
REF_TOKEN = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJjbGllbnRfaWQiOiJqd3QtY2xpZW50LWlkIiwiYXMiOiJpbXMtbmExIiwidHlwZSI6Im"
    "FjY2Vzc190b2tlbiJ9.c2ln"
)


def test_decode_reference_token() -> None:
    assert decode_jwt(REF_TOKEN) == {"client_id": "jwt-client-id", "as": "ims-na1", "type": "access_token"}
    for bad in ("not-a-jwt", "a.b.c", "a.W10.c"):
        with pytest.raises(TokenError):
            decode_jwt(bad)


def test_verify_rs256(webhook_key: tuple[str, rsa.RSAPublicKey]) -> None:
    key = load_private_key(webhook_key[0])
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    good = make_jwt(key, {"client_id": "c", "exp": time.time() + 60})
    assert verify_jwt_rs256(good, pem)["client_id"] == "c"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for token, message in (
        (make_jwt(other, {"client_id": "c"}), "bad signature"),
        (make_jwt(key, {"exp": time.time() - 1}), "expired"),
        (make_jwt(key, {"nbf": time.time() + 60}), "not yet valid"),
        (make_jwt(key, {}, alg="HS256"), "RS256"),
        (REF_TOKEN, "bad signature"),
    ):
        with pytest.raises(TokenError, match=message):
            verify_jwt_rs256(token, pem)


def test_webhook_signature_round_trip(webhook_key: tuple[str, rsa.RSAPublicKey]) -> None:
    key = load_private_key(webhook_key[0])
    body = b'{"user_guid":"o","event_code":"asset_compute","event":{}}'
    signature = sign_webhook_body(body, key)
    assert verify_webhook_signature(body, signature, webhook_key[1])
    assert not verify_webhook_signature(body + b" ", signature, webhook_key[1])
    pem = base64.b64decode(webhook_key[0]).decode()
    assert sign_webhook_body(body, load_private_key(pem)) == signature  # PKCS#1 v1.5 is deterministic
    with pytest.raises(ValueError):
        load_private_key(base64.b64encode(b"-----BEGIN NOTHING-----").decode())
