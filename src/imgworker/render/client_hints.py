"""Client hints (imgix ``ch``): ``Width``, ``DPR`` and ``Save-Data`` request headers, opt-in per URL.

Docs: https://docs.imgix.com/apis/rendering/format/ch (spec section 2.4 step 4). With ``ch=width``
the ``Width`` header (physical pixels, an integer) replaces ``w``; with ``ch=dpr`` the ``DPR`` header
(a number, at most 5) replaces ``dpr``; with ``ch=save-data`` a ``Save-Data: on`` header forces
``q=45``. Headers that are absent or malformed change nothing. The response must then vary on the
hint headers (and announces them with ``Accept-CH``); the rendered-result cache keys on their
values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from imgworker.render.params import Params

HEADER = {"width": "Width", "dpr": "DPR", "save-data": "Save-Data"}


@dataclass(frozen=True)
class Hinted:
    """The parameters after the hints, the header names to ``Vary`` on, and the values used (cache key)."""

    params: Params
    vary: tuple[str, ...]
    key: str


def apply_client_hints(params: Params, headers: Mapping[str, str]) -> Hinted:
    """Apply the hints ``params`` opts into with ``ch`` (case-insensitive header lookup)."""
    wanted = tuple(str(v).lower() for v in params.values.get("ch") or ())
    if not wanted:
        return Hinted(params, (), "")
    lower = {k.lower(): v for k, v in headers.items()}
    changes: dict[str, object] = {}
    used: list[str] = []
    if "width" in wanted and (width := _positive_int(lower.get("width"))):
        changes["w"] = min(width, 8192)
        used.append(f"w={width}")
    if "dpr" in wanted and (dpr := _positive_float(lower.get("dpr"))):
        changes["dpr"] = min(dpr, 5.0)
        used.append(f"dpr={dpr:g}")
    if "save-data" in wanted and (lower.get("save-data") or "").strip().lower() == "on":
        changes["q"] = 45
        used.append("q=45")
    vary = tuple(HEADER[h] for h in ("width", "dpr", "save-data") if h in wanted)
    return Hinted(params.with_values(**{k.replace("-", "_"): v for k, v in changes.items()}), vary, "&".join(used))


def _positive_int(text: str | None) -> int | None:
    try:
        value = int((text or "").strip())
    except ValueError:
        return None
    return value if value > 0 else None


def _positive_float(text: str | None) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if value > 0 and value == value and value != float("inf") else None
