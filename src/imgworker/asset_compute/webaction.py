"""The web-action hop (asset-compute-sdk ``lib/webaction.js``; spec 1.1, runtime-and-scale 1.6).

The Asset Compute service POSTs the request to the worker's web action with ``Authorization: Bearer
<IMS token>``, ``x-gw-ims-org-id`` and ``x-request-id``. The web action answers at once and processes
the request in a second, asynchronous activation:

* method other than POST -> 405 ``{"message": "Supported HTTP methods: OPTIONS, POST"}``;
* no ``Authorization`` -> 401 "Missing Oauth token"; a token that is not a JWT (or, with
  ``ASSET_COMPUTE_JWT_PUBLIC_KEY_FILE``, fails RS256 verification) -> 401 "Invalid token";
* the async params are ``{source, renditions, userData, requestId, auth: {accessToken, clientId
  (JWT client_id), appName, orgId, orgName}, times, customWorker: true}``; the rest is dropped;
* 200 ``{"activationId"}``; a failed hand-off -> 429 (throttled) or 500 "Async invocation of <action>
  failed with HTTP status code <n>".

On OpenWhisk (:func:`openwhisk_web_action`) the hand-off is the reference's non-blocking self-invocation
``POST {__OW_API_HOST}/api/v1/namespaces/<ns>/actions/<pkg>/<action>`` with Basic ``__OW_API_KEY``. The
in-process service (:mod:`.webservice`) schedules the activation on its own event loop instead.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig
from imgworker.asset_compute.redact import get_logger
from imgworker.asset_compute.tokens import TokenError, decode_jwt, verify_jwt_rs256
from imgworker.asset_compute.transport import USER_AGENT, ssl_context

log = get_logger(__name__)
METHODS_MESSAGE = "Supported HTTP methods: OPTIONS, POST"


class WebActionError(Exception):
    """A web-action refusal: ``status`` (401, 405, 429, 500) and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> dict[str, Any]:
        """``{"statusCode", "body": {"message"}}`` (the OpenWhisk web-action result shape)."""
        return {"statusCode": self.status, "body": {"message": self.message}}


def bearer_token(headers: Mapping[str, str]) -> str:
    """The token of the ``authorization`` header without ``Bearer ``; raises 401 when missing."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    token = value[7:] if value[:7].lower() == "bearer " else value
    if not token.strip():
        raise WebActionError(401, "Missing Oauth token")
    return token.strip()


def token_claims(token: str, config: AssetComputeConfig) -> dict[str, Any]:
    """Claims of ``token`` (verified when ``config.jwt_public_key_file`` is set); raises 401 "Invalid token"."""
    try:
        if config.jwt_public_key_file:
            return verify_jwt_rs256(token, Path(config.jwt_public_key_file).read_bytes())
        return decode_jwt(token)
    except TokenError as exc:
        log.warning("rejected token: %s", exc)
        raise WebActionError(401, "Invalid token") from None


def build_async_params(
    method: str, headers: Mapping[str, str], body: Mapping[str, Any], config: AssetComputeConfig
) -> dict[str, Any]:
    """Check method and token and build the params of the asynchronous activation (module docstring)."""
    if method.lower() != "post":
        raise WebActionError(405, METHODS_MESSAGE)
    h = {k.lower(): v for k, v in headers.items()}
    token = bearer_token(h)
    claims = token_claims(token, config)
    auth = {
        "accessToken": token,
        "clientId": claims.get("client_id"),
        "appName": h.get("x-app-name"),
        "orgId": h.get("x-gw-ims-org-id"),
        "orgName": h.get("x-gw-ims-org-name"),
    }
    params = {
        "source": body.get("source"),
        "renditions": body.get("renditions"),
        "userData": body.get("userData"),
        "requestId": h.get("x-request-id") or body.get("requestId"),
        "auth": {k: v for k, v in auth.items() if v is not None},
        "times": body.get("times"),
        "customWorker": True,
    }
    return {k: v for k, v in params.items() if v is not None}


def invoke_url(context: ActivationContext) -> str:
    """``{api_host}/api/v1/namespaces/<ns>/actions/<pkg>/<action>`` for ``context.action_name``."""
    if not context.api_host:
        raise WebActionError(500, f"Async invocation of {context.action_name} failed: __OW_API_HOST is not set")
    parts = [p for p in context.action_name.split("/") if p]
    namespace = parts[0] if len(parts) > 1 else (context.namespace or "_")
    action = "/".join(parts[1:]) if len(parts) > 1 else parts[0]
    return f"{context.api_host.rstrip('/')}/api/v1/namespaces/{quote(namespace)}/actions/{quote(action, safe='/')}"


def invoke_self(params: dict[str, Any], context: ActivationContext, config: AssetComputeConfig) -> dict[str, Any]:
    """Non-blocking self-invocation through the OpenWhisk REST API; the web-action response."""
    name = context.action_name
    try:
        url = invoke_url(context)
        headers = {"user-agent": USER_AGENT, "accept": "application/json"}
        if context.api_key:
            headers["authorization"] = "Basic " + base64.b64encode(context.api_key.encode()).decode()
        with httpx.Client(verify=ssl_context(config), timeout=config.read_timeout) as client:
            resp = client.post(url, json=params, headers=headers)
        if resp.status_code in (200, 202) and isinstance(resp.json(), dict) and resp.json().get("activationId"):
            activation_id = resp.json()["activationId"]
            log.info("invoked %s asynchronously: activation %s", name, activation_id)
            return {"statusCode": 200, "body": {"activationId": activation_id}}
        status = resp.status_code
    except WebActionError as exc:
        return exc.response()
    except (httpx.HTTPError, ValueError) as exc:
        log.error("async invocation of %s failed: %s", name, exc)
        status = 500
    message = f"Async invocation of {name} failed with HTTP status code {status}"
    return WebActionError(429 if status == 429 else 500, message).response()


def openwhisk_web_action(args: Mapping[str, Any], config: AssetComputeConfig) -> dict[str, Any]:
    """The web branch of OpenWhisk ``main(args)``: ``__ow_method``/``__ow_headers`` plus body arguments."""
    body = {k: v for k, v in args.items() if not k.startswith("__ow_")}
    try:
        params = build_async_params(str(args.get("__ow_method", "")), args.get("__ow_headers") or {}, body, config)
    except WebActionError as exc:
        return exc.response()
    return invoke_self(params, ActivationContext.from_env(), config)
