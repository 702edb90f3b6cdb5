"""Colour operations: ``shad``, ``high``, ``vib`` (luma and chroma curves), ``sat``, ``hue``, ``sepia``
(3x3 matrices), ``monochrome`` and ``duotone`` (luma mapped to colours).

imgix publishes no formulas (spec section 2.10); ours, on 8-bit sRGB colour bands (alpha is never
touched), with ``v`` the value clamped to its suggested range and ``Y`` the Rec. 709 luma of the
encoded values (0-255, ``y = Y/255``):

- ``shad`` 0..100 (https://docs.imgix.com/apis/rendering/adjustment/shad) and ``high`` -100..0
  (.../adjustment/high) move luma along a curve and add the same offset to R, G and B (so chroma,
  ``x - Y``, is kept): ``y' = y + 0.25 * (v/100) * (27/4) * y * (1 - y)**2`` for shadows (the lift
  peaks at ``y = 1/3``: +64 levels at 100) and ``y' = y - 0.25 * (|v|/100) * (27/4) * y**2 * (1 - y)``
  for highlights (peak at ``y = 2/3``); ``x' = x + 255 (y' - y)``. Both curves are monotonic and
  leave black and white fixed.
- ``vib`` -100..100 (.../adjustment/vib): chroma scaled more where it is low,
  ``x' = Y + (x - Y) * (1 + (v/100) * (1 - C/255))`` with ``C = max(R,G,B) - min(R,G,B)``.
- ``sat`` -100..100 (.../adjustment/sat): the W3C Filter Effects ``saturate(s)`` matrix with
  ``s = 1 + v/100``; -100 gives exact grey (R = G = B = Rec. 709 luma).
- ``hue`` 0..360 degrees (.../adjustment/hue): the W3C Filter Effects ``hue-rotate(v)`` matrix (a
  luma-preserving rotation about the grey axis; 180 turns red to cyan).
- ``sepia`` 0..100 (https://docs.imgix.com/apis/rendering/stylize/sepia): the W3C Filter Effects
  ``sepia(v/100)`` matrix (identity mixed with the classic sepia matrix).
- ``monochrome`` colour ``c`` (0-1 per band) with alpha ``a`` (.../stylize/monochrome): ``y`` mapped
  by an overlay curve, ``t = 2 y c`` for ``y < 0.5`` else ``1 - 2 (1 - y)(1 - c)`` (black stays
  black, white stays white, mid-grey becomes ``c``), then mixed ``x' = x + (a/255) (t - x)``.
- ``duotone`` ``c1,c2`` with ``duotone-alpha`` ``d`` 0..100 (.../stylize/duotone): ``t = c1 + (c2 -
  c1) y``, mixed ``x' = x + (d/100) (t - x)``: luma 0 becomes ``c1``, luma 255 becomes ``c2``.

Matrices: https://www.w3.org/TR/filter-effects-1/#feColorMatrixElement.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from imgworker.render import vips
from imgworker.render.ops.channels import luma, to_uchar
from imgworker.render.params import Color, Params

Matrix = npt.NDArray[np.float64]
IDENTITY: Matrix = np.eye(3)
SEPIA: Matrix = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
_SAT_LUMA = np.array([0.213, 0.715, 0.072])  # the Filter Effects spec's rounded luma weights


def saturate_matrix(s: float) -> Matrix:
    """W3C ``saturate(s)``: ``s`` = 1 identity, 0 grey (rows equal to the luma weights)."""
    return np.tile(_SAT_LUMA, (3, 1)) * (1.0 - s) + IDENTITY * s


def hue_rotate_matrix(degrees: float) -> Matrix:
    """W3C ``hue-rotate(degrees)``."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    base = np.tile(_SAT_LUMA, (3, 1))
    cos_part = np.array([[0.787, -0.715, -0.072], [-0.213, 0.285, -0.072], [-0.213, -0.715, 0.928]])
    sin_part = np.array([[-0.213, -0.715, 0.928], [0.143, 0.140, -0.283], [-0.787, 0.715, 0.072]])
    result: Matrix = base + c * cos_part + s * sin_part
    return result


def sepia_matrix(amount: float) -> Matrix:
    """W3C ``sepia(amount)``, amount 0-1."""
    result: Matrix = IDENTITY * (1.0 - amount) + SEPIA * amount
    return result


def colour_matrix(params: Params) -> Matrix | None:
    """``hue @ saturate`` for the given ``sat``/``hue``, or ``None`` when both are neutral."""
    sat, hue = float(params.get("sat", 0)), float(params.get("hue", 0)) % 360.0
    if not sat and not hue:
        return None
    return hue_rotate_matrix(hue) @ saturate_matrix(1.0 + sat / 100.0)


def apply_matrix(rgb: vips.Image, matrix: Matrix) -> vips.Image:
    """``rgb`` (3 bands) times ``matrix``, rounded and clipped to 8 bits."""
    return to_uchar(rgb.recomb(vips.mask(matrix.tolist())))


def apply_tone_curves(rgb: vips.Image, params: Params) -> vips.Image:
    """``shad``, ``high`` (luma curve, same offset on every band) and ``vib`` (chroma gain), or ``rgb``."""
    shad, high, vib = (float(params.get(n, 0)) for n in ("shad", "high", "vib"))
    if not (shad or high or vib):
        return rgb
    y = luma(rgb)
    out = rgb.cast("float")
    if vib:
        spread = rgb[0].maxpair(rgb[1]).maxpair(rgb[2]) - rgb[0].minpair(rgb[1]).minpair(rgb[2])
        gain = 1.0 - spread / 255.0
        out = y + (out - y) * (gain * (vib / 100.0) + 1.0)
    if shad or high:
        k = 0.25 * 27.0 / 4.0 * 255.0
        t = y / 255.0
        delta = (t * (1.0 - t) * (1.0 - t)) * (k * shad / 100.0) - (t * t * (1.0 - t)) * (k * abs(high) / 100.0)
        out = out + delta
    return to_uchar(out)


def monochrome(rgb: vips.Image, colour: Color) -> vips.Image:
    """Tint to one colour (overlay curve on luma), mixed by the colour's alpha."""
    y = luma(rgb) / 255.0
    c = [v / 255.0 for v in colour.rgb]
    dark = y.linear([2.0 * v for v in c], [0.0, 0.0, 0.0])
    light = y.linear([2.0 * (1.0 - v) for v in c], [1.0 - 2.0 * (1.0 - v) for v in c])
    tinted = (y < 0.5).ifthenelse(dark, light) * 255.0
    return _mix(rgb, tinted, colour.a / 255.0)


def duotone(rgb: vips.Image, shadows: Color, highlights: Color, alpha: float) -> vips.Image:
    """Luma 0 -> ``shadows``, luma 255 -> ``highlights`` (linear between), mixed by ``alpha`` 0-1."""
    y = luma(rgb) / 255.0
    a = [float(h - s) for s, h in zip(shadows.rgb, highlights.rgb, strict=True)]
    b = [float(s) for s in shadows.rgb]
    return _mix(rgb, y.linear(a, b), alpha)


def _mix(rgb: vips.Image, target: vips.Image, amount: float) -> vips.Image:
    if amount >= 1.0:
        return to_uchar(target)
    if amount <= 0.0:
        return rgb
    return to_uchar(rgb * (1.0 - amount) + target * amount)
