"""``fill=gradient``: the ``fit=fill``/``fillmax`` padding painted with a linear or radial gradient.

Docs: https://docs.imgix.com/apis/rendering/fill/fill (gradient), /fill-gradient-type,
/fill-gradient-linear, /fill-gradient-linear-direction, /fill-gradient-radial,
/fill-gradient-radial-radius, /fill-gradient-radial-x, /fill-gradient-radial-y, /fill-gradient-cs.
imgix documents the parameters, not the drawing; ours:

- colours: ``fill-gradient-linear`` / ``fill-gradient-radial`` (two colours, start and end); unset,
  the image's vibrant dark and vibrant light colours (imgix: "the vibrant dark and vibrant light
  colors of the image's color palette"; our palette: :func:`imgworker.render.ops.palette.vibrant_pair`);
- ``fill-gradient-type``: ``linear`` (default) or ``radial``;
- linear: ``fill-gradient-linear-direction`` names the side the first colour starts at and the side
  the second ends at (default ``top,bottom``; one side: towards the opposite one);
- radial: centre ``fill-gradient-radial-x``/``-y`` (0-1 of the canvas, or pixels; default 0.5), the
  first colour up to the inner radius, the second from the outer one
  (``fill-gradient-radial-radius``, default ``0.25,0.5``; 0-1 values are fractions of the canvas's
  longer side, larger values pixels);
- ``fill-gradient-cs``: the space the two colours are mixed in: ``srgb`` (default), ``linear``
  (linear light), ``oklab``, ``hsl``, ``lch`` (CIE LCh(ab), D65; hue the shorter way round).

The gradient is a 256-step look-up table in the chosen space applied to a 0-255 position field, so
every space costs the same.
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Callable

import numpy as np

from imgworker.render import vips
from imgworker.render.ops import palette, tone
from imgworker.render.params import Params

RGB = tuple[float, float, float]
_OPPOSITE = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}


def _lin(c: float) -> float:
    return float(tone.srgb_to_linear(np.asarray(c, dtype=np.float64)))


def _enc(c: float) -> float:
    return float(tone.linear_to_srgb(np.asarray(c, dtype=np.float64)))


def _to_oklab(rgb: RGB) -> RGB:  # Björn Ottosson's OKLab (https://bottosson.github.io/posts/oklab/)
    r, g, b = (_lin(c) for c in rgb)
    l_ = (0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b) ** (1 / 3)
    m_ = (0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b) ** (1 / 3)
    s_ = (0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b) ** (1 / 3)
    return (0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
            1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
            0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_)  # fmt: skip


def _from_oklab(lab: RGB) -> RGB:
    l_ = (lab[0] + 0.3963377774 * lab[1] + 0.2158037573 * lab[2]) ** 3
    m_ = (lab[0] - 0.1055613458 * lab[1] - 0.0638541728 * lab[2]) ** 3
    s_ = (lab[0] - 0.0894841775 * lab[1] - 1.2914855480 * lab[2]) ** 3
    return (_enc(4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_),
            _enc(-1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_),
            _enc(-0.0041960863 * l_ - 0.7034186147 * m_ + 1.7076147010 * s_))  # fmt: skip


_WHITE = (0.95047, 1.0, 1.08883)  # D65


def _to_lch(rgb: RGB) -> RGB:
    r, g, b = (_lin(c) for c in rgb)
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)  # fmt: skip
    ratios = (v / w for v, w in zip(xyz, _WHITE, strict=True))
    f = [t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in ratios]
    lab = (116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2]))
    return (lab[0], math.hypot(lab[1], lab[2]), math.degrees(math.atan2(lab[2], lab[1])) % 360)


def _from_lch(lch: RGB) -> RGB:
    a, b = lch[1] * math.cos(math.radians(lch[2])), lch[1] * math.sin(math.radians(lch[2]))
    fy = (lch[0] + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    xyz = [w * (t**3 if t**3 > 216 / 24389 else (116 * t - 16) / (24389 / 27))
           for t, w in zip((fx, fy, fz), _WHITE, strict=True)]  # fmt: skip
    r = 3.2406 * xyz[0] - 1.5372 * xyz[1] - 0.4986 * xyz[2]
    g = -0.9689 * xyz[0] + 1.8758 * xyz[1] + 0.0415 * xyz[2]
    bl = 0.0557 * xyz[0] - 0.2040 * xyz[1] + 1.0570 * xyz[2]
    return (_enc(r), _enc(g), _enc(bl))


def _mix_hue(h0: float, h1: float, t: float, turn: float) -> float:
    d = (h1 - h0) % turn
    if d > turn / 2:
        d -= turn
    return (h0 + d * t) % turn


def mix(c0: RGB, c1: RGB, t: float, space: str) -> RGB:
    """The colour a fraction ``t`` (0-1) of the way from ``c0`` to ``c1`` (sRGB 0-1) in ``space``."""
    lerp: Callable[[float, float], float] = lambda a, b: a + (b - a) * t  # noqa: E731
    if space == "linear":
        return tuple(_enc(lerp(_lin(a), _lin(b))) for a, b in zip(c0, c1, strict=True))  # type: ignore[return-value]
    if space == "oklab":
        a, b = _to_oklab(c0), _to_oklab(c1)
        return _from_oklab((lerp(a[0], b[0]), lerp(a[1], b[1]), lerp(a[2], b[2])))
    if space == "hsl":
        (h0, l0, s0), (h1, l1, s1) = colorsys.rgb_to_hls(*c0), colorsys.rgb_to_hls(*c1)
        return colorsys.hls_to_rgb(_mix_hue(h0, h1, t, 1.0), lerp(l0, l1), lerp(s0, s1))
    if space == "lch":
        a, b = _to_lch(c0), _to_lch(c1)
        return _from_lch((lerp(a[0], b[0]), lerp(a[1], b[1]), _mix_hue(a[2], b[2], t, 360.0)))
    return (lerp(c0[0], c1[0]), lerp(c0[1], c1[1]), lerp(c0[2], c1[2]))


def _colours(image: vips.Image, params: Params, kind: str) -> tuple[RGB, RGB]:
    given = params.values.get(f"fill-gradient-{kind}")
    if given and len(given) >= 2:
        first, second = given[0].rgb, given[1].rgb
    else:
        first, second = palette.vibrant_pair(image)
    return (first[0] / 255, first[1] / 255, first[2] / 255), (second[0] / 255, second[1] / 255, second[2] / 255)


def _length(value: float | int, span: float) -> float:
    return float(value) * span if isinstance(value, float) or 0 <= value <= 1 else float(value)


def _position(width: int, height: int, params: Params) -> vips.Image:
    """The 0-255 position field (uchar) of the gradient over a ``width`` x ``height`` canvas."""
    xy = vips.xyz(width, height)
    if params.get("fill-gradient-type", "linear") == "radial":
        cx = _length(params.get("fill-gradient-radial-x", 0.5), width - 1)
        cy = _length(params.get("fill-gradient-radial-y", 0.5), height - 1)
        radii = params.values.get("fill-gradient-radial-radius") or (0.25, 0.5)
        longer = max(width, height)
        r0 = _length(radii[0], longer)
        r1 = max(r0 + 1.0, _length(radii[1] if len(radii) > 1 else radii[0], longer))
        distance = ((xy[0] - cx) ** 2 + (xy[1] - cy) ** 2) ** 0.5
        t = (distance - r0) / (r1 - r0)
    else:
        sides = tuple(params.values.get("fill-gradient-linear-direction") or ("top", "bottom"))
        start = sides[0]
        end = sides[1] if len(sides) > 1 and sides[1] != start else _OPPOSITE[start]
        vertical = {start, end} <= {"top", "bottom"}
        t = xy[1] / max(1, height - 1) if vertical else xy[0] / max(1, width - 1)
        if start in ("bottom", "right"):
            t = 1 - t
    t = (t < 0).ifthenelse(0.0, t)
    t = (t > 1).ifthenelse(1.0, t)
    return (t * 255 + 0.5).cast("uchar")


def canvas(width: int, height: int, params: Params, image: vips.Image) -> vips.Image:
    """An opaque RGBA ``width`` x ``height`` gradient for the canvas behind ``image``."""
    kind = "radial" if params.get("fill-gradient-type", "linear") == "radial" else "linear"
    first, second = _colours(image, params, kind)
    space = str(params.get("fill-gradient-cs", "srgb"))
    lut = np.array([[mix(first, second, i / 255, space) for i in range(256)]], dtype=np.float64) * 255
    table = vips.from_numpy(np.clip(np.rint(lut), 0, 255).astype(np.uint8))
    board = _position(width, height, params).maplut(table)
    return board.bandjoin(255).copy(interpretation="srgb")
