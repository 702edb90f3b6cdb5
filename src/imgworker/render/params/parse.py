"""Query string -> :class:`Params`: aliases, ``*64`` variants, typed values, fallbacks.

Follows spec section 2.1 (restating https://docs.imgix.com/apis/rendering and imgix's schema):

1. split on ``&``; ``key=value`` or bare ``key``; percent-decode with ``+`` as space;
2. map aliases (``width`` -> ``w``), after removing a trailing ``64``;
3. ``<name>64`` values are URL-safe base64 (padding optional) of UTF-8 text; undecodable -> 400;
4. only ``auto`` may repeat (values merge); for other keys the last occurrence wins;
5. unknown keys are ignored (they stay in the signature and cache key);
6. values are parsed by the table's type; invalid values fall back to the default and are listed
   in ``invalid``, with one documented exception: an invalid ``w`` or ``h`` (``0``, negative,
   junk) is a 400 naming the parameter, since imgix's support treats ``w=0`` as an invalid request
   and falling back would silently return a full-size image (field case A29).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from imgworker.render.errors import BadRequest
from imgworker.render.params.coverage import IMPLEMENTED
from imgworker.render.params.spec import ParamSpec
from imgworker.render.params.table import PARAMETERS
from imgworker.render.params.types import InvalidValue, Parser, compile_type

BY_NAME: Mapping[str, ParamSpec] = MappingProxyType({p.name: p for p in PARAMETERS})
ALIASES: Mapping[str, str] = MappingProxyType({a: p.name for p in PARAMETERS for a in p.aliases})
STRICT_PARAMS = frozenset({"w", "h"})
_DEFAULT_TEXT_FIXES = {"True": "true", "False": "false"}


@cache
def parser_for(name: str) -> Parser:
    """The compiled value parser of a canonical parameter name."""
    from imgworker.render.params.overrides import OVERRIDES

    if name in OVERRIDES:
        return OVERRIDES[name]
    return compile_type(BY_NAME[name].type_expr)


@cache
def default_of(name: str) -> Any:
    """The parsed documented default of a parameter, or ``None`` when it has none."""
    spec = BY_NAME[name]
    if spec.default is None:
        return None
    text = _DEFAULT_TEXT_FIXES.get(spec.default, spec.default)
    try:
        return parser_for(name)(text)
    except InvalidValue:
        return text


def canonical(key: str) -> tuple[str | None, bool]:
    """Canonical name of a query key and whether it was a base64 (``*64``) variant."""
    if key in BY_NAME:
        return key, False
    if key in ALIASES:
        return ALIASES[key], False
    if key.endswith("64"):
        base = key[:-2]
        name = base if base in BY_NAME else ALIASES.get(base)
        if name and BY_NAME[name].base64:
            return name, True
    return None, False


def decode_base64(value: str, key: str) -> str:
    """URL-safe base64 (padding optional) to UTF-8 text; raises :class:`BadRequest` (400)."""
    text = value.strip().replace("-", "+").replace("_", "/").replace(" ", "+").rstrip("=")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest(f"Expected URL-safe base64 for `{key}` but received {value!r}") from None


@dataclass(frozen=True)
class Params:
    """A parsed imgix query.

    Attributes:
        values: canonical name -> parsed value, for the valid parameters that were given.
        invalid: canonical name -> why it fell back to its default (left out of ``values``).
        unknown: query keys that are not imgix parameters (ignored; e.g. ``ixlib``, ``s``).
        raw: canonical name -> the decoded text as given (for headers and diagnostics).
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    invalid: Mapping[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    raw: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        """The given value, else the table's default, else ``default``."""
        if name in self.values:
            return self.values[name]
        d = default_of(name)
        return default if d is None else d

    def has(self, name: str) -> bool:
        return name in self.values

    @property
    def auto(self) -> frozenset[str]:
        """The ``auto`` set (``format``, ``compress``, ``enhance``, ``redeye``, ``true``)."""
        return frozenset(self.values.get("auto", ()))

    @property
    def unimplemented(self) -> tuple[str, ...]:
        """Given, valid parameters that this renderer does not implement (tier X included)."""
        return tuple(n for n in self.values if n not in IMPLEMENTED)

    def applied_header(self) -> str:
        """``X-Imgix-Params``-style list of the parameters applied (invalid ones left out)."""
        return ",".join(n for n in self.values if n in IMPLEMENTED)

    def with_values(self, **changes: Any) -> Params:
        """A copy with some values replaced (``None`` removes one); keys use ``_`` for ``-``."""
        values = dict(self.values)
        for k, v in changes.items():
            name = k.replace("_", "-")
            if v is None:
                values.pop(name, None)
            else:
                values[name] = v
        return Params(MappingProxyType(values), self.invalid, self.unknown, self.raw)


def parse_query(query: str, *, strict: bool = False) -> Params:
    """Parse a raw (still percent-encoded) query string.

    Args:
        query: the query without ``?``; ``s`` (the signature) may be present and is ignored.
        strict: if true, any invalid value raises :class:`BadRequest` instead of falling back.

    Raises:
        BadRequest: undecodable ``*64`` value; invalid ``w``/``h``; any invalid value when strict.
    """
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    invalid: dict[str, str] = {}
    unknown: list[str] = []
    auto: list[str] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        name, is64 = canonical(key)
        if name is None:
            if key != "s":
                unknown.append(key)
            continue
        text = decode_base64(value, key) if is64 else value
        raw[name] = text
        try:
            parsed = parser_for(name)(text)
        except InvalidValue as exc:
            what, _, got = str(exc).partition(" but received ")
            message = f"Expected {what} for `{key}` but received {got}"
            if strict or name in STRICT_PARAMS:
                raise BadRequest(message) from None
            invalid[name] = message
            values.pop(name, None)
            continue
        if name in STRICT_PARAMS and isinstance(parsed, float) and parsed <= 0:
            raise BadRequest(f"Expected a positive size for `{key}` but received {text!r}")
        invalid.pop(name, None)
        if name == "auto":
            auto.extend(v for v in parsed if v not in auto)
            parsed = tuple(auto)
        values[name] = parsed
    return Params(MappingProxyType(values), MappingProxyType(invalid), tuple(unknown), MappingProxyType(raw))
