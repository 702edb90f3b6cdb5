"""Per-channel tone curves: ``auto=enhance``, ``exp``, ``bri``, ``con``, ``gam`` as one look-up table.

imgix publishes ranges and defaults but no formulas (spec section 2.10); these are ours. Each is a
function of one channel value ``x`` in 0-1 (encoded sRGB), applied in this order and composed
into a single 256-entry table per band (one ``maplut`` pass, exact for 8-bit input). ``v`` is the
parameter value after clamping to its suggested range.

- ``auto=enhance`` (https://docs.imgix.com/apis/rendering/auto/auto): per-channel levels stretch.
  ``lo``/``hi`` are the 0.5th and 99.5th percentiles of the channel; ``x' = (x - lo) / (hi - lo)``.
  The gain is capped at 3x (the range is widened about its middle) and a channel spanning less
  than 8 levels is left alone, so flat images and noise are not blown up.
- ``exp`` -100..100 (https://docs.imgix.com/apis/rendering/adjustment/exp): exposure in linear light,
  ``lin' = lin * 2**(v / 50)`` (+-2 stops), then re-encoded to sRGB.
- ``bri`` -100..100 (.../adjustment/bri): ``x' = x + v / 100`` (255 * v / 100 levels, spec 2.10).
- ``con`` -100..100 (.../adjustment/con): ``x' = (x - 0.5) * 4**(v / 100) + 0.5`` (factor 0.25..4,
  the range of Core Image's ``CIColorControls`` contrast; pivot mid-grey).
- ``gam`` -100..100 (.../adjustment/gam): ``x' = x ** (2 ** (-v / 100))``; positive values lift the
  mid-tones (exponent 0.5 at 100), negative values darken them (exponent 2 at -100).

Values are clipped to 0-1 after each stage.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from imgworker.render import vips
from imgworker.render.params import Params

FloatArray = npt.NDArray[np.float64]
TONE_PARAMS = ("exp", "bri", "con", "gam")
ENHANCE_LOW, ENHANCE_HIGH = 0.005, 0.995
ENHANCE_MAX_GAIN = 3.0
ENHANCE_MIN_SPAN = 8


def wants_enhance(params: Params) -> bool:
    """``auto=enhance`` (or the legacy ``auto=true``, which includes it; spec 2.2 ``auto`` row)."""
    return bool(params.auto & {"enhance", "true"})


def srgb_to_linear(x: FloatArray) -> FloatArray:
    """IEC 61966-2-1 decoding, ``x`` in 0-1."""
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: FloatArray) -> FloatArray:
    """IEC 61966-2-1 encoding, ``x`` in 0-1."""
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055)


def curve(x: FloatArray, params: Params) -> FloatArray:
    """The composed ``exp -> bri -> con -> gam`` curve on ``x`` in 0-1 (clipped after each)."""
    exp, bri, con, gam = (float(params.get(n, 0)) for n in TONE_PARAMS)
    if exp:
        x = linear_to_srgb(srgb_to_linear(x) * 2.0 ** (exp / 50.0))
    if bri:
        x = np.clip(x + bri / 100.0, 0.0, 1.0)
    if con:
        x = np.clip((x - 0.5) * 4.0 ** (con / 100.0) + 0.5, 0.0, 1.0)
    if gam:
        x = np.clip(x, 0.0, 1.0) ** (2.0 ** (-gam / 100.0))
    return np.clip(x, 0.0, 1.0)


def stretch_bounds(histogram: npt.NDArray[np.float64]) -> tuple[float, float]:
    """``(lo, hi)`` in 0-255 for one channel's 256-bin histogram (percentiles, gain cap, flat guard)."""
    total = float(histogram.sum())
    if total <= 0:
        return 0.0, 255.0
    cdf = np.cumsum(histogram) / total
    lo = float(np.searchsorted(cdf, ENHANCE_LOW, side="right"))
    hi = float(np.searchsorted(cdf, ENHANCE_HIGH, side="left"))
    if hi - lo < ENHANCE_MIN_SPAN:
        return 0.0, 255.0
    span = max(hi - lo, 255.0 / ENHANCE_MAX_GAIN)
    mid = (lo + hi) / 2.0
    lo = max(0.0, min(mid - span / 2.0, 255.0 - span))
    return lo, lo + span


def histograms(rgb: vips.Image, alpha: vips.Image | None = None) -> list[npt.NDArray[np.float64]]:
    """256-bin histogram of each band of ``rgb``, over the pixels that are not fully transparent."""
    if alpha is None:
        hist = vips.to_numpy(rgb.hist_find()).reshape(256, rgb.bands)
        return [hist[:, b].astype(np.float64) for b in range(rgb.bands)]
    values = vips.to_numpy(rgb).reshape(-1, rgb.bands)[vips.to_numpy(alpha).reshape(-1) > 0]
    return [np.bincount(values[:, b], minlength=256).astype(np.float64) for b in range(rgb.bands)]


def tone_table(
    rgb: vips.Image, params: Params, alpha: vips.Image | None = None
) -> tuple[vips.Image, vips.Image | None]:
    """``(image, lut)``: the look-up table (256 x 1, one band per colour band) for ``rgb``, or
    ``None`` when no tone parameter is set. ``auto=enhance`` reads the histogram (over the pixels
    ``alpha`` does not hide) before the pixels flow on, so ``rgb`` and ``alpha`` must be readable
    twice: :func:`imgworker.render.ops.adjustment.apply` evaluates the image to memory first."""
    enhance = wants_enhance(params)
    if not enhance and not any(params.get(n, 0) for n in TONE_PARAMS):
        return rgb, None
    x = np.arange(256, dtype=np.float64) / 255.0
    bounds = [(0.0, 255.0)] * rgb.bands
    if enhance:
        bounds = [stretch_bounds(h) for h in histograms(rgb, alpha)]
    columns = []
    for lo, hi in bounds:
        stretched = np.clip((x * 255.0 - lo) / (hi - lo), 0.0, 1.0)
        columns.append(np.rint(curve(stretched, params) * 255.0))
    table = np.stack(columns, axis=-1).astype(np.uint8).reshape(1, 256, rgb.bands)
    return rgb, vips.from_numpy(table)


def apply_tone(rgb: vips.Image, params: Params, alpha: vips.Image | None = None) -> vips.Image:
    """Map the colour bands of ``rgb`` (8-bit) through the composed tone table."""
    rgb, lut = tone_table(rgb, params, alpha)
    return rgb if lut is None else rgb.maplut(lut)
