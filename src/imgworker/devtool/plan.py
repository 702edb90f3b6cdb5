"""How the renderer reads an imgix URL, and the parameter table, as JSON for the devtool page.

:func:`params_table` (``GET /api/params``) lists every parameter of
:data:`imgworker.render.params.BY_NAME`::

    [{"name": "w", "category": "size", "type": "integer strict[2..8192] ; ...", "default": null,
      "aliases": ["width"], "tier": "1", "implemented": true, "doc": "https://docs.imgix.com/..."}]

:func:`plan` (``GET /api/plan``) parses a URL or a bare query exactly as the renderer does
(:func:`imgworker.render.params.parse_query`) and sorts what it found::

    {"path": "/ab12.png" | null, "query": "w=300&fm=webp&s=...",
     "used":          [{"name", "given" (key as written), "value" (text), "parsed", "category"}],
     "unimplemented": [{"name", "value", "category"}],   # valid, known, not rendered here
     "fallback":      [{"name", "value", "reason", "default"}],  # invalid -> documented default
     "unknown":       ["ixlib", ...],                     # not imgix parameters: ignored
     "signature":     "valid" | "invalid" | "missing" | "unchecked",
     "passthrough":   bool,                               # no parameter at all: bytes unchanged
     "error":         null | "Expected ..."}              # the renderer's 400 message
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from imgworker.render.errors import RenderError
from imgworker.render.params import BY_NAME, default_of, parse_query
from imgworker.render.params.coverage import IMPLEMENTED
from imgworker.render.params.parse import canonical
from imgworker.render.params.signing import split_signature, verify

MOUNT = "/render"


def params_table() -> list[dict[str, Any]]:
    """Every imgix parameter, by category then name (see the module docstring for the shape)."""
    rows = [
        {"name": p.name, "category": p.category, "type": p.type_expr, "default": p.default,
         "aliases": list(p.aliases), "tier": p.tier, "implemented": p.name in IMPLEMENTED, "doc": p.doc_url}
        for p in BY_NAME.values()
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (str(r["category"]), str(r["name"])))


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list | frozenset | set):
        return [_jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    return str(value)


def split_url(url: str) -> tuple[str | None, str]:
    """``(raw path relative to the renderer, raw query)`` of a URL, a ``/render/...`` path or a query.

    ``http://host/render/ab.png?w=1`` and ``/render/ab.png?w=1`` give ``("/ab.png", "w=1")``;
    a text without ``/`` before its ``?`` is taken as a bare query.
    """
    text = url.strip()
    if "://" not in text and not text.startswith("/"):
        return None, text.lstrip("?")
    parts = urlsplit(text)
    path = parts.path
    if path == MOUNT or path.startswith(MOUNT + "/"):
        path = path[len(MOUNT) :] or "/"
    return path, parts.query


def plan(*, url: str | None = None, query: str | None = None, token: str | None = None) -> dict[str, Any]:
    """Parse ``url`` (or ``query``) like the renderer; ``token`` checks the signature of a URL.

    Raises:
        ValueError: neither ``url`` nor ``query`` given.
    """
    if url is None and query is None:
        raise ValueError("give `url` or `query`")
    path, raw_query = split_url(url) if url is not None else (None, (query or "").lstrip("?"))
    out: dict[str, Any] = {"path": path, "query": raw_query, "used": [], "unimplemented": [], "fallback": [],
                           "unknown": [], "signature": _signature(path, raw_query, token), "passthrough": False,
                           "error": None}  # fmt: skip
    try:
        params = parse_query(raw_query)
    except RenderError as exc:
        out["error"] = exc.message
        return out
    given = {}
    for key, _ in parse_qsl(raw_query, keep_blank_values=True):
        name = canonical(key)[0]
        if name:
            given[name] = key
    for name, value in params.values.items():
        row = {"name": name, "given": given.get(name, name), "value": params.raw.get(name, ""),
               "parsed": _jsonable(value), "category": BY_NAME[name].category}  # fmt: skip
        out["used" if name in IMPLEMENTED else "unimplemented"].append(row)
    for name, reason in params.invalid.items():
        out["fallback"].append({"name": name, "value": params.raw.get(name, ""), "reason": reason,
                                "default": _jsonable(default_of(name))})  # fmt: skip
    out["unknown"] = list(params.unknown)
    out["passthrough"] = not params.values and not params.invalid
    return out


def _signature(path: str | None, raw_query: str, token: str | None) -> str:
    if path is None or token is None:
        return "unchecked"
    if split_signature(raw_query)[1] is None:
        return "missing"
    return "valid" if verify(token, path, raw_query) else "invalid"
