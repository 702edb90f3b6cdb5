"""Sharpening and noise reduction after sizing: ``nr``/``nrs``, ``sharp``, ``usm``/``usmrad``.

imgix publishes no formulas (spec section 2.10); ours, on the 8-bit sRGB colour bands (alpha kept),
``v`` clamped to the suggested range, ``G_s(x)`` a Gaussian blur of standard deviation ``s`` px:

- ``nr`` -100..100 and ``nrs`` -100..100, both defaulting to 20 once either is given, nothing when
  neither is (https://docs.imgix.com/apis/rendering/noise-reduction/noise-reduction-bound and
  .../noise-reduction-sharpen). With ``g = G_1.5(x)``, ``d = |Y(x) - Y(g)|`` (Rec. 709 luma
  difference, levels) and the threshold ``T = 0.255 * nr`` levels (nr 20 -> 5.1 levels, the scale
  of Core Image's ``CINoiseReduction`` noise level 0.02), each pixel is smoothed by
  ``w = max(0, 1 - d / T)`` and sharpened by the rest: ``x' = x + w (g - x) + (nrs / 50)(1 - w)(x - g)``
  (``nrs`` 20 -> 0.4, ``CINoiseReduction``'s default sharpness). ``nr <= 0`` smooths nothing.
- ``sharp`` 0..100 (https://docs.imgix.com/apis/rendering/adjustment/sharp): libvips ``sharpen``
  (unsharp masking of L* only, in LabS, with separate gains for flat and edge areas) with sigma 1,
  flat gain ``m1 = v/100``, edge gain ``m2 = v/25``, and brightening/darkening caps
  ``y2 = 10 + v/5``, ``y3 = 20 + v/5`` (L* units), which keep halos bounded.
- ``usm`` -100..100 with radius ``usmrad`` (px, default 2.5, clamped to 0.1..500)
  (.../adjustment/usm, .../adjustment/usmrad): ``x' = x + (v/100)(x - G_usmrad(x))``. ``usm=100``
  adds the full detail layer once; ``usm=-100`` is exactly the Gaussian blur of ``usmrad``.
"""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.ops.blur import gaussian
from imgworker.render.ops.channels import luma, on_colour, to_uchar
from imgworker.render.params import Params

NR_SIGMA = 1.5
USMRAD_MIN, USMRAD_MAX = 0.1, 500.0


def noise_reduce(rgb: vips.Image, nr: float, nrs: float) -> vips.Image:
    """The ``nr``/``nrs`` filter above on 3 colour bands."""
    blurred = gaussian(rgb, NR_SIGMA)
    x = rgb.cast("float")
    g = blurred.cast("float")
    detail = x - g
    if nr <= 0:
        return to_uchar(x + detail * (nrs / 50.0))
    d = (luma(rgb) - luma(blurred)).abs()
    w = 1.0 - d / (0.255 * nr)
    w = (w < 0.0).ifthenelse(0.0, w)
    return to_uchar(x - detail * w + detail * (1.0 - w) * (nrs / 50.0))


def unsharp(rgb: vips.Image, amount: float, radius: float) -> vips.Image:
    """``x + amount (x - G_radius(x))``, ``amount`` in -1..1."""
    radius = min(max(radius, USMRAD_MIN), USMRAD_MAX)
    x = rgb.cast("float")
    blurred = gaussian(rgb, radius).cast("float")
    return to_uchar(x + (x - blurred) * amount)


def sharpen(rgb: vips.Image, v: float) -> vips.Image:
    """libvips ``sharpen`` scaled by ``sharp`` (0..100)."""
    return rgb.sharpen(sigma=1.0, x1=2.0, y2=10.0 + v / 5.0, y3=20.0 + v / 5.0, m1=v / 100.0, m2=v / 25.0)


def apply(image: vips.Image, params: Params) -> vips.Image:
    """``nr``/``nrs`` then ``sharp`` then ``usm`` on the colour bands (alpha kept)."""
    if params.has("nr") or params.has("nrs"):
        nr, nrs = float(params.get("nr", 20)), float(params.get("nrs", 20))
        image = on_colour(image, lambda rgb: noise_reduce(rgb, nr, nrs))
    sharp = float(params.get("sharp", 0))
    if sharp > 0:
        image = on_colour(image, lambda rgb: sharpen(rgb, sharp))
    usm = float(params.get("usm", 0))
    if usm:
        radius = float(params.get("usmrad", 2.5))
        image = on_colour(image, lambda rgb: unsharp(rgb, usm / 100.0, radius))
    return image
