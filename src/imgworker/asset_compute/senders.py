"""Event transports (asset-compute-commons ``lib/events.js``, ``lib/webhook.js``; asset-compute-events-client;
spec section 5.2). Each sender's ``send(event)`` delivers one event payload or raises after its retries.

* :class:`IOEventsSender`: ``POST <io_events_url>`` with ``x-ims-org-id``, ``x-api-key``, ``Authorization:
  Bearer``; body ``{user_guid, provider_id: "asset_compute_<org>_<client>", event_code: "asset_compute",
  event: base64(JSON)}``; only 200 is success, 204 ("journal not ready") and 5xx are retried.
* :class:`WebhookSender`: ``POST <auth.webhookUrl>``, body ``{user_guid, event_code, event}`` (compact JSON),
  header ``x-ac-hmac-signature`` = RSA-SHA256 of the body; 200 or 202 is success.
* :class:`FileSender`: appends the event as one JSON line to a file (the default for local runs).
* :class:`LogSender`: logs "event not sent: <type> <json>" (the reference without ``auth``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.tokens import sign_webhook_body
from imgworker.asset_compute.transport import HttpStatusError, response_text, retrying

log = get_logger(__name__)


def compact_json(value: Any) -> bytes:
    """JSON as ``JSON.stringify`` writes it: no spaces, UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class EventSender(Protocol):
    """Delivers one event payload; raises when it finally fails. ``name`` labels logs and metrics."""

    name: str

    async def send(self, event: dict[str, Any]) -> None: ...


class FileSender:
    """Appends each event to ``path`` as one JSON line (parent folders are created)."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, event: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as fh:
            fh.write(compact_json(event) + b"\n")


class LogSender:
    """Logs the event instead of sending it."""

    name = "log"

    async def send(self, event: dict[str, Any]) -> None:
        log.info("event not sent: %s %s", event.get("type"), compact_json(event).decode())


class _HttpSender:
    name = "http"
    ok_statuses: frozenset[int] = frozenset({200})

    def __init__(self, client: httpx.AsyncClient, url: str, config: AssetComputeConfig) -> None:
        self.client = client
        self.url = url
        self.config = config

    def request(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    async def send(self, event: dict[str, Any]) -> None:
        body, headers = self.request(event)
        budget, first = self.config.event_retry_budget, self.config.event_initial_wait
        async for attempt in retrying(self.config, budget, first):
            with attempt:
                resp = await self.client.post(self.url, content=body, headers=headers)
                if resp.status_code not in self.ok_statuses:
                    retry = True if resp.status_code == 204 else None
                    raise HttpStatusError("POST", self.url, resp.status_code, response_text(resp), retryable=retry)


class IOEventsSender(_HttpSender):
    """Adobe I/O Events ingress."""

    name = "ioevents"

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        config: AssetComputeConfig,
        *,
        org_id: str,
        client_id: str,
        access_token: str,
    ) -> None:
        super().__init__(client, url, config)
        self.org_id, self.client_id, self.access_token = org_id, client_id, access_token

    def request(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        body = {
            "user_guid": self.org_id,
            "provider_id": f"asset_compute_{self.org_id}_{self.client_id}",
            "event_code": "asset_compute",
            "event": base64.b64encode(compact_json(event)).decode("ascii"),
        }
        headers = {
            "content-type": "application/json",
            "x-ims-org-id": self.org_id,
            "x-api-key": self.client_id,
            "authorization": f"Bearer {self.access_token}",
        }
        return compact_json(body), headers


class WebhookSender(_HttpSender):
    """Signed webhook (``auth.isServiceAccount`` + ``auth.webhookUrl``)."""

    name = "webhook"
    ok_statuses = frozenset({200, 202})

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        config: AssetComputeConfig,
        *,
        org_id: str | None,
        client_id: str | None,
        private_key: rsa.RSAPrivateKey,
    ) -> None:
        super().__init__(client, url, config)
        self.org_id, self.client_id, self.private_key = org_id, client_id, private_key

    def request(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        body = compact_json({"user_guid": self.org_id, "event_code": "asset_compute", "event": event})
        headers = {
            "content-type": "application/json",
            "x-ims-org-id": self.org_id or "",
            "x-api-key": self.client_id or "",
            "x-ac-hmac-signature": sign_webhook_body(body, self.private_key),
        }
        return body, headers
