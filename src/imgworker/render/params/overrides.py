"""Value parsers that differ from the schema's type expression, with the reason for each.

- ``rect``: the docs also accept ratios and ``full`` for the width and height items
  (https://docs.imgix.com/apis/rendering/size/rect; spec section 2.4 step 1), which the schema's
  integer-only items reject.
- ``w``/``h``: no upper bound (outputs are scaled to fit 8192x8192 instead; field case A28);
  ``dpr``: above 5 is clamped to 5 (spec section 5.3), not ignored; 0 or less is invalid;
- ``ch``: case-insensitive (the docs spell ``ch=Width``, ``ch=Save-Data``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imgworker.render.params.types import InvalidValue, Parser, compile_type

_INT = compile_type("integer strict[0..] ; unit_scalar strict[0..1]")
_X = compile_type("integer strict[0..] ; string{left,center,right} ; unit_scalar strict[0..1]")
_Y = compile_type("integer strict[0..] ; string{top,middle,bottom} ; unit_scalar strict[0..1]")


def _size_item(text: str) -> Any:
    if text.strip() == "full":
        return "full"
    v = _INT(text)
    if v == 0:
        raise InvalidValue(f"a positive width/height but received {text!r}")
    return v


def parse_rect(text: str) -> tuple[Any, Any, Any, Any]:
    """``x,y,w,h``: x/y pixels, 0-1 ratios or keywords; w/h pixels, ratios or ``full``."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise InvalidValue(f"4 comma-separated values x,y,w,h but received {text!r}")
    return (_X(parts[0]), _Y(parts[1]), _size_item(parts[2]), _size_item(parts[3]))


_SIZE = compile_type("integer strict[2..] ; unit_scalar strict[0..1]")
_DPR = compile_type("number")
_CH = compile_type("list{width,dpr,save-data}")


def parse_size(text: str) -> Any:
    """``w``/``h``: pixels >= 2 with no upper bound here (the size plan scales every output down to
    fit 8192x8192, field case A28: imgix's docs promise the cap, not an error), or a 0-1 ratio."""
    return _SIZE(text)


def parse_dpr(text: str) -> Any:
    """``dpr``: values above 5 are clamped to 5 (spec 5.3 "dpr above 5: clamp to 5"; A28); values
    at or below 0 are invalid (spec 2.4 step 3: ignored); (0, 5] is used as given."""
    value = float(_DPR(text))
    if value <= 0:
        raise InvalidValue(f"a positive number but received {text!r}")
    return min(value, 5.0)


def parse_ch(text: str) -> Any:
    """``ch``: the client-hint names case-insensitively (the docs write ``ch=Width,DPR,Save-Data``)."""
    return _CH(text.lower())


OVERRIDES: Mapping[str, Parser] = {
    "rect": parse_rect,
    "w": parse_size,
    "h": parse_size,
    "dpr": parse_dpr,
    "ch": parse_ch,
}
