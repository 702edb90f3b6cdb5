"""redact: presigned URLs, credentials and secret values never reach a log line."""

from __future__ import annotations

import io
import json
import logging

from imgworker.asset_compute.redact import configure_logging, get_logger, redact_text, redact_url, redact_value

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2lnbmF0dXJl"


def test_redact_url() -> None:
    assert redact_url("https://u:p@h.blob.core.windows.net/c/a.jpg?sv=1&sig=abc") == (
        "https://h.blob.core.windows.net/c/a.jpg?<redacted>"
    )
    assert redact_url("https://h/a.jpg") == "https://h/a.jpg"
    assert redact_url("data:text/plain;base64," + "A" * 200) == "data:text/plain;base64,<200 chars>"
    assert redact_url("data:,hi") == "data:,hi"


def test_redact_text() -> None:
    text = (
        f"PUT 'https://s3.amazonaws.com/b/k?X-Amz-Signature=deadbeef' failed; Authorization: Bearer {JWT}; "
        'hmacPrivateKey="LS0tLS1CRUdJTi" accessToken: abc123 api_key=u:p '
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"
    )
    out = redact_text(text)
    for secret in ("deadbeef", JWT, "LS0tLS1CRUdJTi", "abc123", "u:p", "MIIE"):
        assert secret not in out
    assert "https://s3.amazonaws.com/b/k?<redacted>" in out
    assert redact_text("Missing Oauth token") == "Missing Oauth token"


def test_redact_value_hides_secret_keys_deeply() -> None:
    value = {
        "auth": {"accessToken": "t", "orgId": "o"},
        "renditions": [{"target": "https://h/p?sig=s"}],
        "hmacPrivateKey": "k",
        "n": 3,
    }
    assert redact_value(value) == {
        "auth": {"accessToken": "<redacted>", "orgId": "o"},
        "renditions": [{"target": "https://h/p?<redacted>"}],
        "hmacPrivateKey": "<redacted>",
        "n": 3,
    }


def test_every_log_line_is_redacted() -> None:
    stream = io.StringIO()
    handler = configure_logging(logging.INFO, stream)
    try:
        log = get_logger("imgworker.asset_compute.test")
        log.info("uploading to %s", "https://h/p?sig=secret1", extra={"fields": {"accessToken": "secret2", "ok": 1}})
        try:
            raise RuntimeError("boom https://h/x?sig=secret3")
        except RuntimeError:
            log.exception("failed")
    finally:
        logging.getLogger("imgworker.asset_compute").removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "uploading to https://h/p?<redacted>"
    assert lines[0]["accessToken"] == "<redacted>" and lines[0]["ok"] == 1
    assert "secret" not in stream.getvalue()
    assert "RuntimeError" in lines[1]["exception"]
