"""Value types of imgix parameters and the compiler of the schema's type expressions.

The grammar (restated from ``imgix/imgix-url-params``; spec section 2.1 step 6)::

    expr   := alt (" ; " alt)*
    alt    := base enum? items? ("strict[" lo ".." hi? "]")? ("sugg[" lo ".." hi? "]")? ("(dflt " v ")")?
    base   := integer | number | unit_scalar | boolean | string | list | ratio | hex_color
              | color_keyword | url | path | font | timestamp | interval
    enum   := "{" v ("," v)* "}"              allowed values
    items  := "[" item ("," item)* "]"        positional list items, each "alt/alt/..."

Semantics: a value outside a ``strict`` range is invalid; a value outside a ``sugg`` (suggested) range
is clamped to it (spec section 5.3, "clamp to the suggested bounds"); an enum value not listed is
invalid. Invalid values raise :class:`InvalidValue`; the caller then falls back to the default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import webcolors

Parser = Callable[[str], Any]


class InvalidValue(ValueError):
    """A parameter value that does not match its type; ``str(err)`` says what was expected."""


@dataclass(frozen=True)
class Color:
    """An sRGB colour with alpha, each channel 0-255.

    imgix hex colours put alpha *first*: ``RGB``, ``ARGB``, ``RRGGBB``, ``AARRGGBB`` (docs:
    https://docs.imgix.com/apis/rendering/fill/bg). ``0FFF`` is transparent white.
    """

    r: int
    g: int
    b: int
    a: int = 255

    @property
    def rgb(self) -> tuple[int, int, int]:
        return (self.r, self.g, self.b)

    @property
    def rgba(self) -> tuple[int, int, int, int]:
        return (self.r, self.g, self.b, self.a)

    @property
    def opaque(self) -> bool:
        return self.a == 255

    def hex(self) -> str:
        """``AARRGGBB`` in imgix order."""
        return f"{self.a:02X}{self.r:02X}{self.g:02X}{self.b:02X}"


# imgix's two brand keywords; the schema lists them but their values are undocumented (spec 2.1):
# we use the brand colours of imgix's logo and say so in the README.
_IMGIX_KEYWORDS = {"imgixorange": Color(0xF5, 0x82, 0x1F), "imgixblue": Color(0x3B, 0x9C, 0xD8)}
_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def parse_hex_color(text: str) -> Color:
    """``RGB``/``ARGB``/``RRGGBB``/``AARRGGBB`` (optional ``#``) to a :class:`Color`."""
    m = _HEX.fullmatch(text.strip())
    if not m:
        raise InvalidValue(f"a hex colour (3, 4, 6 or 8 hex digits, alpha first) but received {text!r}")
    h = m.group(1)
    if len(h) in (3, 4):
        h = "".join(c * 2 for c in h)
    a = int(h[:2], 16) if len(h) == 8 else 255
    rgb = h[2:] if len(h) == 8 else h
    return Color(int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16), a)


def parse_color_keyword(text: str) -> Color:
    """A CSS colour keyword (plus ``transparent``, ``imgixorange``, ``imgixblue``)."""
    name = text.strip().lower()
    if name in _IMGIX_KEYWORDS:
        return _IMGIX_KEYWORDS[name]
    if name == "transparent":
        return Color(0, 0, 0, 0)
    try:
        rgb = webcolors.name_to_rgb(name)
    except ValueError as exc:
        raise InvalidValue(f"a colour keyword but received {text!r}") from exc
    return Color(rgb.red, rgb.green, rgb.blue)


def parse_color(text: str) -> Color:
    """A hex colour or a colour keyword."""
    try:
        return parse_hex_color(text)
    except InvalidValue:
        try:
            return parse_color_keyword(text)
        except InvalidValue:
            raise InvalidValue(f"a hex colour or colour keyword but received {text!r}") from None


def _number(text: str) -> float:
    try:
        v = float(text.strip())
    except ValueError:
        raise InvalidValue(f"a number but received {text!r}") from None
    if not math.isfinite(v):
        raise InvalidValue(f"a finite number but received {text!r}")
    return v


def round_half_up(x: float) -> int:
    """Round half up (``floor(x + 0.5)``), the rounding imgix's worked examples use (spec 2.3)."""
    return math.floor(x + 0.5)


def _integer(text: str) -> int:
    t = text.strip()
    if re.fullmatch(r"[+-]?\d+(\.0*)?", t):
        return int(float(t))
    raise InvalidValue(f"an integer but received {text!r}")


def _boolean(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true"):
        return True
    if t in ("0", "false", ""):
        return False
    raise InvalidValue(f"true, false, 1 or 0 but received {text!r}")


def _ratio(text: str) -> float:
    t = text.strip()
    if ":" in t:
        a, _, b = t.partition(":")
        w, h = _number(a), _number(b)
    else:
        w, h = _number(t), 1.0
    if w <= 0 or h <= 0:
        raise InvalidValue(f"a ratio W:H with positive numbers but received {text!r}")
    return w / h


def _text(text: str) -> str:
    return text


_BASES: dict[str, Parser] = {
    "integer": _integer,
    "number": _number,
    "unit_scalar": _number,
    "boolean": _boolean,
    "string": _text,
    "ratio": _ratio,
    "hex_color": parse_hex_color,
    "color_keyword": parse_color_keyword,
    "url": _text,
    "path": _text,
    "font": _text,
    "timestamp": _integer,
    "interval": _text,
    "list": _text,
}


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets and braces."""
    out, depth, cur, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if depth == 0 and text.startswith(sep, i):
            out.append(cur)
            cur, i = "", i + len(sep)
            continue
        cur += c
        i += 1
    out.append(cur)
    return [s.strip() for s in out if s.strip()]


def _range(expr: str, key: str) -> tuple[float | None, float | None] | None:
    m = re.search(key + r"\[([-\d.]*)\.\.([-\d.]*)\]", expr)
    if not m:
        return None
    lo = float(m.group(1)) if m.group(1) else None
    hi = float(m.group(2)) if m.group(2) else None
    return (lo, hi)


def _compile_alt(alt: str) -> Parser:
    m = re.match(r"(\w+)", alt)
    if not m or m.group(1) not in _BASES:
        raise ValueError(f"unknown type expression {alt!r}")
    base = m.group(1)
    rest = alt[m.end() :]
    enum: tuple[str, ...] | None = None
    items: list[Parser] | None = None
    if rest.startswith("{"):
        end = rest.index("}")
        enum = tuple(v.strip() for v in rest[1:end].split(","))
        rest = rest[end + 1 :]
    elif rest.startswith("["):
        depth, end = 0, 0
        for i, c in enumerate(rest):
            depth += c in "[{"
            depth -= c in "]}"
            if depth == 0:
                end = i
                break
        items = [compile_type(" ; ".join(_split_top(it, "/"))) for it in _split_top(rest[1:end], ",")]
        rest = rest[end + 1 :]
    strict = _range(rest, "strict")
    sugg = _range(rest, "sugg")
    if base == "list":
        return _list_parser(enum, items)
    conv = _BASES[base]
    unit = base == "unit_scalar"

    def parse(text: str) -> Any:
        if enum is not None:
            if base == "integer":
                v = _integer(text)
                if str(v) not in enum:
                    raise InvalidValue(f"one of {', '.join(enum)} but received {text!r}")
                return v
            t = text.strip()
            if t not in enum:
                raise InvalidValue(f"one of {', '.join(enum)} but received {text!r}")
            return t
        v = conv(text)
        if unit and not 0.0 <= v <= 1.0:
            raise InvalidValue(f"a number from 0 to 1 but received {text!r}")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if strict:
                lo, hi = strict
                if (lo is not None and v < lo) or (hi is not None and v > hi):
                    raise InvalidValue(f"a value in [{_fmt(lo)}, {_fmt(hi)}] but received {text!r}")
            if sugg:
                lo, hi = sugg
                if lo is not None and v < lo:
                    v = type(v)(lo)
                if hi is not None and v > hi:
                    v = type(v)(hi)
        return v

    return parse


def _fmt(x: float | None) -> str:
    if x is None:
        return "inf"
    return str(int(x)) if x == int(x) else str(x)


def _list_parser(enum: tuple[str, ...] | None, items: list[Parser] | None) -> Parser:
    def parse(text: str) -> tuple[Any, ...]:
        parts = [p.strip() for p in text.split(",")]
        if not text.strip():
            raise InvalidValue("a non-empty comma list but received ''")
        if enum is not None:
            bad = [p for p in parts if p not in enum]
            if bad:
                raise InvalidValue(f"values from {', '.join(enum)} but received {bad[0]!r}")
            return tuple(parts)
        assert items is not None
        if len(parts) != len(items):
            raise InvalidValue(f"{len(items)} comma-separated values but received {len(parts)}")
        return tuple(item(p) for item, p in zip(items, parts, strict=True))

    return parse


def compile_type(expr: str) -> Parser:
    """Compile a schema type expression to a parser ``str -> value`` raising :class:`InvalidValue`.

    Alternatives are tried in order; the first that accepts the text wins (so for ``w``, ``300``
    is an integer of pixels and ``0.5`` a unit scalar).
    """
    expr = re.sub(r"\(dflt [^)]*\)", "", expr)
    alts = [_compile_alt(a) for a in _split_top(expr, ";")]
    if len(alts) == 1:
        return alts[0]

    def parse(text: str) -> Any:
        errors = []
        for alt in alts:
            try:
                return alt(text)
            except InvalidValue as exc:
                errors.append(str(exc).split(" but received")[0])
        raise InvalidValue(f"{' or '.join(errors)} but received {text!r}")

    return parse
