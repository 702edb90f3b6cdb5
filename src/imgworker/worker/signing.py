"""Step 2 of the seed: the signed imgix URL of a staged source, built with the ``imgix`` library.

``imgix.UrlBuilder`` (imgix-python 4) percent-encodes the path, sorts the parameters, adds
``ixlib`` and appends ``s = md5(token + path + "?" + query)`` (https://docs.imgix.com/setup/securing-images).
The library only accepts a bare domain, so for the embedded renderer (``http://127.0.0.1:<port>``)
the URL is built for the host alone and the port put back afterwards: the signature does not cover
scheme or host, so it stays valid.

A rendition's ``instructions.imgix`` may be a JSON object or a JSON string (both occur in the field),
or a query string (``w=300&fit=crop``, the CLI shorthand). Values: numbers and strings as written,
lists joined with commas, booleans as ``true``/``false``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from imgix import UrlBuilder

from imgworker.render.errors import BadRequest
from imgworker.render.params.parse import decode_base64


class InstructionsError(ValueError):
    """``instructions.imgix`` is not a JSON object, a JSON string of one, or a query string."""


def imgix_params(value: Any) -> dict[str, str]:
    """Normalise ``instructions.imgix`` to an ordered ``{name: text}`` dict.

    Raises:
        InstructionsError: naming what was received.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InstructionsError(f"instructions.imgix is not valid JSON: {exc.msg} at char {exc.pos}") from None
        else:
            out: dict[str, str] = {}
            for k, v in parse_qsl(text.lstrip("?"), keep_blank_values=True):
                # only `auto` may repeat (spec 2.1 step 4): merge its values; otherwise the last wins
                out[k] = f"{out[k]},{v}" if k == "auto" and out.get(k) else v
            return out
    if not isinstance(value, Mapping):
        raise InstructionsError(
            f"Expected a JSON object or string for instructions.imgix but received {type(value).__name__}"
        )
    return {str(k): _text(v) for k, v in value.items() if v is not None}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    if isinstance(value, float) and value.is_integer() and value > 1:
        return str(int(value))
    return str(value)


def _plain(params: Mapping[str, str]) -> dict[str, str]:
    """``*64`` values decoded to text: the ``imgix`` library base64-encodes every ``*64`` key itself,
    so passing an already encoded value would encode it twice (``txt64`` would draw base64 text).

    Raises:
        InstructionsError: a ``*64`` value that is not URL-safe base64 of UTF-8 text.
    """
    out = {}
    for key, value in params.items():
        if key.endswith("64") and key not in ("auto64", "ch64"):
            try:
                value = decode_base64(value, key)  # the renderer's own decoder: one base64 rule
            except BadRequest as exc:
                raise InstructionsError(exc.message) from None
        out[key] = value
    return out


def build_url(base_url: str, path: str, params: Mapping[str, str], token: str | None,
              *, include_library_param: bool = True) -> str:  # fmt: skip
    """The (signed, when ``token``) imgix URL of ``path`` on ``base_url``.

    Args:
        base_url: ``https://<sub>.imgix.net`` or the embedded renderer's ``http://127.0.0.1:<port>``.
        path: the staged key (``ab12...ef.jpg``); it is percent-encoded by the library.
        params: imgix parameters as text (see :func:`imgix_params`).
        token: the source's secure URL token, or ``None`` for an unsigned URL.
    """
    parts = urlsplit(base_url if "://" in base_url else f"https://{base_url}")
    host = parts.hostname or ""
    builder = UrlBuilder(host, use_https=parts.scheme == "https", sign_key=token,
                         include_library_param=include_library_param)  # fmt: skip
    url: str = builder.create_url(path, _plain(params))
    if parts.port:
        prefix = f"{parts.scheme}://{host}"
        url = f"{prefix}:{parts.port}{url[len(prefix) :]}"
    return url
