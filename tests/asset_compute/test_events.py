"""events and senders: payload shape, sender choice, signatures, retries, at-most-once."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from imgworker.asset_compute.config import IO_EVENTS_STAGE_URL, IO_EVENTS_URL, AssetComputeConfig
from imgworker.asset_compute.errors import SourceCorruptError
from imgworker.asset_compute.events import (
    EventEmitter,
    created_payload,
    failed_payload,
    io_events_url,
    iso_now,
    select_sender,
)
from imgworker.asset_compute.params import AuthSpec
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.senders import FileSender, IOEventsSender, LogSender, WebhookSender
from imgworker.asset_compute.tokens import verify_webhook_signature
from plugins.asset_compute import Recorder

STAGE_TOKEN = "eyJhbGciOiJub25lIn0.eyJhcyI6Imltcy1uYTEtc3RnMSJ9.x"


def test_iso_now_has_milliseconds_and_z() -> None:
    now = iso_now()
    assert len(now) == 24 and now.endswith("Z") and now[19] == "."


def test_payload_order(tmp_path: Path) -> None:
    r = Rendition({"fmt": "txt", "name": "a.txt", "target": "https://h/p"}, tmp_path, 0)
    emitter = EventEmitter(
        LogSender(), request_id="req", source="https://h/s", user_data={"u": 1}, activation_ids=["act"]
    )
    created = emitter.build("rendition_created", created_payload(r, {"repo:size": 1}, data="data:,x"))
    assert list(created) == [
        "rendition",
        "metadata",
        "data",
        "activationIds",
        "type",
        "date",
        "requestId",
        "source",
        "userData",
    ]
    failed = emitter.build("rendition_failed", failed_payload(r, SourceCorruptError("bad"), duration=1.5))
    assert list(failed) == [
        "rendition",
        "errorReason",
        "errorMessage",
        "duration",
        "activationIds",
        "type",
        "date",
        "requestId",
        "source",
        "userData",
    ]
    assert (failed["errorReason"], failed["errorMessage"], failed["rendition"]) == (
        "SourceCorrupt",
        "bad",
        {"fmt": "txt", "name": "a.txt"},
    )
    bare = EventEmitter(LogSender(), request_id=None, source=None, user_data=None, activation_ids=None)
    assert list(bare.build("rendition_created", {"rendition": {}})) == ["rendition", "type", "date"]


def test_select_sender(ac_config: AssetComputeConfig, webhook_key: tuple[str, rsa.RSAPublicKey]) -> None:
    client = httpx.AsyncClient()
    webhook = AuthSpec(isServiceAccount=True, webhookUrl="https://h/hook", orgId="o", clientId="c")
    io = AuthSpec(accessToken="t", orgId="o", clientId="c")
    assert isinstance(select_sender(ac_config, webhook, webhook_key[0], client), WebhookSender)
    assert isinstance(select_sender(ac_config, webhook, None, client), FileSender)  # no key: not lost
    assert isinstance(select_sender(ac_config, webhook, "bm90IGEga2V5", client), FileSender)  # bad key
    assert isinstance(
        select_sender(replace(ac_config, hmac_private_key=webhook_key[0]), webhook, None, client), WebhookSender
    )
    sender = select_sender(ac_config, io, None, client)
    assert isinstance(sender, IOEventsSender) and sender.url == IO_EVENTS_URL
    assert isinstance(select_sender(ac_config, None, None, client), FileSender)
    assert isinstance(select_sender(replace(ac_config, events_mode="ioevents"), None, None, client), FileSender)
    assert isinstance(select_sender(replace(ac_config, events_mode="log"), io, None, client), LogSender)
    assert isinstance(select_sender(replace(ac_config, events_mode="file"), io, None, client), FileSender)
    assert io_events_url(ac_config, STAGE_TOKEN) == IO_EVENTS_STAGE_URL
    assert io_events_url(replace(ac_config, io_events_url="https://x/e"), STAGE_TOKEN) == "https://x/e"
    asyncio.run(client.aclose())


def _send(sender_factory: Any, config: AssetComputeConfig, event: dict[str, Any]) -> None:
    async def go() -> None:
        async with httpx.AsyncClient(verify=False) as client:
            await sender_factory(client).send(event)

    asyncio.run(go())


def test_webhook_body_and_signature(
    recorder: Recorder, ac_config: AssetComputeConfig, webhook_key: tuple[str, rsa.RSAPublicKey]
) -> None:
    from imgworker.asset_compute.tokens import load_private_key

    key = load_private_key(webhook_key[0])
    event = {"rendition": {"fmt": "jpg"}, "type": "rendition_created", "source": "https://h/ü"}
    _send(
        lambda c: WebhookSender(c, recorder.url("/webhook"), ac_config, org_id="O", client_id="C", private_key=key),
        ac_config,
        event,
    )
    [req] = recorder.find("POST", "/webhook")
    assert (
        req.body
        == json.dumps(
            {"user_guid": "O", "event_code": "asset_compute", "event": event}, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
    assert (req.headers["x-ims-org-id"], req.headers["x-api-key"], req.headers["content-type"]) == (
        "O",
        "C",
        "application/json",
    )
    assert verify_webhook_signature(req.body or b"", req.headers["x-ac-hmac-signature"], webhook_key[1])


def test_http_sender_retries_then_raises(recorder: Recorder, ac_config: AssetComputeConfig) -> None:
    recorder.respond("POST", "/api/events", 503, repeat=True)
    with pytest.raises(Exception, match="status 503"):
        _send(
            lambda c: IOEventsSender(
                c, recorder.url("/api/events"), ac_config, org_id="O", client_id="C", access_token="T"
            ),
            ac_config,
            {"type": "x"},
        )
    posts = recorder.find("POST", "/api/events")
    assert len(posts) >= 2
    assert json.loads(base64.b64decode(posts[0].json["event"])) == {"type": "x"}


def test_file_sender_and_at_most_once(tmp_path: Path) -> None:
    sender = FileSender(tmp_path / "deep" / "events.jsonl")
    emitter = EventEmitter(sender, request_id="r", source=None, user_data=None, activation_ids=None)
    r = Rendition({"fmt": "txt"}, tmp_path, 0)

    async def go() -> list[bool]:
        first = await emitter.emit(r, "rendition_created", created_payload(r, {}))
        second = await emitter.emit(r, "rendition_failed", failed_payload(r, ValueError("late")))
        await emitter.drain()
        return [first, second]

    assert asyncio.run(go()) == [True, False]
    lines = (tmp_path / "deep" / "events.jsonl").read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["rendition_created"]


def test_send_failure_is_reported_not_raised(tmp_path: Path) -> None:
    class Broken:
        name = "broken"

        async def send(self, event: dict[str, Any]) -> None:
            raise RuntimeError("down")

    failures: list[str] = []
    emitter = EventEmitter(
        Broken(),
        request_id="r",
        source=None,
        user_data=None,
        activation_ids=None,
        on_failure=lambda name, exc: failures.append(f"{name}: {exc}"),
    )
    r = Rendition({}, tmp_path, 0)
    assert asyncio.run(emitter.emit(r, "rendition_created", created_payload(r, {}))) is False
    assert failures == ["broken: down"] and r.event_sent
