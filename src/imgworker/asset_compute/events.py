"""``rendition_created`` / ``rendition_failed`` events: payloads, sender choice, at-most-once sending.

Payloads follow asset-compute-sdk ``lib/worker.js`` and asset-compute-commons ``lib/events.js``
(spec 5.1), keys in the reference's order::

    rendition_created: {rendition, metadata, data?, activationIds?, type, date, requestId?, source?, userData?}
    rendition_failed:  {rendition, errorReason, errorMessage, duration?, activationIds?, type, date, ...}

``rendition`` is the rendition's instructions without ``target`` (and without ``url`` when that was the
target); ``source`` is the source URL string; ``userData`` is the request-level one; ``date`` is ISO-8601
UTC with milliseconds; ``metadata`` is :meth:`Rendition.metadata`; ``duration`` is in seconds.

Sender choice (:func:`select_sender`), ``ASSET_COMPUTE_EVENTS``: ``auto`` picks the webhook when
``auth.isServiceAccount`` and ``auth.webhookUrl`` are set, I/O Events when ``auth`` has ``accessToken``,
``orgId`` and ``clientId``, else the JSON-lines file. When the chosen transport lacks what it needs (no
``hmacPrivateKey``), events go to the file instead of being dropped.

A send that still fails after its retries is logged (``error sending event ...``) and counted; the
activation goes on, the rendition is not affected (spec 5.2, "Failure behaviour").
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx

from imgworker.asset_compute.config import IO_EVENTS_STAGE_URL, IO_EVENTS_URL, AssetComputeConfig
from imgworker.asset_compute.errors import event_message, event_reason
from imgworker.asset_compute.params import AuthSpec
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.senders import (
    EventSender,
    FileSender,
    IOEventsSender,
    LogSender,
    WebhookSender,
    compact_json,
)
from imgworker.asset_compute.tokens import TokenError, decode_jwt, load_private_key

log = get_logger(__name__)
RENDITION_CREATED = "rendition_created"
RENDITION_FAILED = "rendition_failed"


def iso_now() -> str:
    """``2026-11-29T16:22:19.108Z``, as ``Date.toISOString()``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def created_payload(rendition: Rendition, metadata: dict[str, Any], data: str | None = None) -> dict[str, Any]:
    """Body of a ``rendition_created`` event before the common fields."""
    out: dict[str, Any] = {"rendition": rendition.instructions_for_event(), "metadata": metadata}
    if data is not None:
        out["data"] = data
    return out


def failed_payload(rendition: Rendition, err: BaseException, duration: float | None = None) -> dict[str, Any]:
    """Body of a ``rendition_failed`` event: ``errorReason`` (err.reason or GenericError), ``errorMessage``."""
    out: dict[str, Any] = {
        "rendition": rendition.instructions_for_event(),
        "errorReason": event_reason(err),
        "errorMessage": event_message(err),
    }
    if duration is not None:
        out["duration"] = duration
    return out


def select_sender(
    config: AssetComputeConfig, auth: AuthSpec | None, hmac_key: str | None, client: httpx.AsyncClient
) -> EventSender:
    """The transport for this activation (module docstring)."""
    mode = config.events_mode
    file_sender = FileSender(config.events_file)
    if mode == "file":
        return file_sender
    if mode == "log":
        return LogSender()
    auth = auth or AuthSpec()
    if mode == "webhook" or (mode == "auto" and auth.isServiceAccount and auth.webhookUrl):
        key = hmac_key or config.hmac_private_key
        if not auth.webhookUrl or not key:
            log.error(
                "webhook events need auth.webhookUrl and hmacPrivateKey; writing events to %s", config.events_file
            )
            return file_sender
        try:
            private_key = load_private_key(key)
        except ValueError as exc:
            log.error("invalid hmacPrivateKey (%s); writing events to %s", exc, config.events_file)
            return file_sender
        return WebhookSender(
            client, auth.webhookUrl, config, org_id=auth.orgId, client_id=auth.clientId, private_key=private_key
        )
    if auth.accessToken and auth.orgId and auth.clientId:
        return IOEventsSender(
            client,
            io_events_url(config, auth.accessToken),
            config,
            org_id=auth.orgId,
            client_id=auth.clientId,
            access_token=auth.accessToken,
        )
    if mode == "ioevents":
        log.error("I/O Events need auth.accessToken, orgId and clientId; writing events to %s", config.events_file)
    return file_sender


def io_events_url(config: AssetComputeConfig, access_token: str) -> str:
    """``config.io_events_url``, else the stage ingress for ``as: ims-na1-stg1`` tokens, else production."""
    if config.io_events_url:
        return config.io_events_url
    try:
        stage = decode_jwt(access_token).get("as") == "ims-na1-stg1"
    except TokenError:
        stage = False
    return IO_EVENTS_STAGE_URL if stage else IO_EVENTS_URL


class EventEmitter:
    """Adds the common fields and sends at most one event per rendition; never raises on send failure.

    Each send is shielded from cancellation (a timeout cancelling the activation does not cut an event in
    half); :meth:`drain` waits for sends still in flight.
    """

    def __init__(
        self,
        sender: EventSender,
        *,
        request_id: str | None,
        source: str | None,
        user_data: Any,
        activation_ids: list[str] | None,
        on_failure: Any = None,
    ) -> None:
        self.sender = sender
        self.request_id, self.source, self.user_data = request_id, source, user_data
        self.activation_ids = activation_ids
        self.on_failure = on_failure
        self._pending: set[asyncio.Future[bool]] = set()

    def build(self, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The full event: payload, then ``activationIds``, ``type``, ``date``, ``requestId``, ``source``,
        ``userData`` (None values omitted)."""
        event = dict(payload)
        if self.activation_ids:
            event["activationIds"] = list(self.activation_ids)
        event["type"] = event_type
        event["date"] = iso_now()
        for key, value in (("requestId", self.request_id), ("source", self.source), ("userData", self.user_data)):
            if value is not None:
                event[key] = value
        return event

    async def emit(self, rendition: Rendition, event_type: str, payload: dict[str, Any]) -> bool:
        """Send once for ``rendition``; False if an event was already sent or the send failed."""
        if rendition.event_sent:
            return False
        rendition.event_sent = True
        future = asyncio.ensure_future(self._send(self.build(event_type, payload)))
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return await asyncio.shield(future)

    async def _send(self, event: dict[str, Any]) -> bool:
        try:
            await self.sender.send(event)
        except Exception as exc:
            log.error(
                "error sending event for requestId %s via %s: %s; event: %s",
                self.request_id,
                self.sender.name,
                exc,
                compact_json(event).decode(),
            )
            if self.on_failure is not None:
                self.on_failure(self.sender.name, exc)
            return False
        log.info("sent %s via %s", event.get("type"), self.sender.name)
        return True

    async def drain(self) -> None:
        """Wait for every send in flight."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
