"""JWT decoding (IMS access tokens) and the RSA-SHA256 webhook signature.

* :func:`decode_jwt` reads the claims without verifying, as the reference web action does
  (``jsonwebtoken.decode`` in asset-compute-sdk ``lib/webaction.js``): Adobe's validator action in
  front of the worker has already checked the token.
* :func:`verify_jwt_rs256` also checks the RS256 signature against a PEM public key, and ``exp``/``nbf``
  (epoch seconds), for deployments without that validator (``ASSET_COMPUTE_JWT_PUBLIC_KEY_FILE``).
* :func:`sign_webhook_body` is the ``x-ac-hmac-signature`` header of asset-compute-commons
  ``lib/hmac-signature.js``: base64 of an RSA PKCS#1 v1.5 SHA-256 signature of the exact body bytes
  (despite the header name, not an HMAC).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class TokenError(ValueError):
    """The token is not a decodable (or, when verifying, valid) JWT."""


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def decode_jwt(token: str) -> dict[str, Any]:
    """Claims of ``token`` (``header.payload.signature``, base64url); raises :class:`TokenError`."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not a JWT")
    try:
        claims = json.loads(_b64url(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise TokenError(f"undecodable JWT payload: {exc}") from None
    if not isinstance(claims, dict):
        raise TokenError("JWT payload is not an object")
    return claims


def verify_jwt_rs256(token: str, public_key_pem: bytes, *, now: float | None = None) -> dict[str, Any]:
    """Claims of ``token`` after checking its RS256 signature, ``exp`` and ``nbf``; raises :class:`TokenError`."""
    claims = decode_jwt(token)
    head, payload, signature = token.split(".")
    try:
        header = json.loads(_b64url(head))
        key = serialization.load_pem_public_key(public_key_pem)
    except (binascii.Error, ValueError) as exc:
        raise TokenError(f"cannot verify: {exc}") from None
    if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(key, rsa.RSAPublicKey):
        raise TokenError("only RS256 tokens are accepted")
    try:
        key.verify(_b64url(signature), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        raise TokenError("bad signature") from None
    t = time.time() if now is None else now
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if isinstance(exp, int | float) and t >= exp:
        raise TokenError("token expired")
    if isinstance(nbf, int | float) and t < nbf:
        raise TokenError("token not yet valid")
    return claims


def load_private_key(key: str) -> rsa.RSAPrivateKey:
    """RSA private key from ``hmacPrivateKey``: base64 of a PEM (the reference's form) or a PEM itself."""
    raw = key.encode() if "-----BEGIN" in key else base64.b64decode(key)
    loaded = serialization.load_pem_private_key(raw, password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError("hmacPrivateKey is not an RSA private key")
    return loaded


def sign_webhook_body(body: bytes, key: rsa.RSAPrivateKey) -> str:
    """Base64 RSA-SHA256 (PKCS#1 v1.5) signature of ``body``."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def verify_webhook_signature(body: bytes, signature: str, public_key: rsa.RSAPublicKey) -> bool:
    """True when ``signature`` (base64) signs ``body``: what a webhook receiver checks."""
    try:
        public_key.verify(base64.b64decode(signature), body, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
