"""``htn``: colour halftone (https://docs.imgix.com/apis/rendering/stylize/halftone), 0..100, default 0.

imgix publishes no formula (spec section 2.10); ours is an amplitude-modulated CMY dot screen on the
8-bit sRGB colour bands (alpha kept), each band printed as round dots of its ink ``1 - x/255`` on
white:

- cell size ``s = 3 + 0.09 v`` px (``htn=1`` about 3 px, ``htn=100`` 12 px), screens rotated
  15 degrees (red band, the cyan ink), 75 degrees (green, magenta) and 0 degrees (blue, yellow);
- the ink of a pixel is the band's mean around it (Gaussian, sigma ``s/3``);
- a pixel at distance ``rho * s`` from its cell centre is inked when the ink exceeds ``A(rho)``, the
  area fraction of the cell within that distance (a disc clipped to the square cell:
  ``A = pi rho**2 - 4 (rho**2 acos(1/(2 rho)) - sqrt(rho**2 - 1/4)/2)``, the second term only for
  ``rho > 1/2``), so a cell's inked area equals its ink: tone is kept, at the cell scale;
- dot edges are anti-aliased over one pixel (the distance to the dot edge is ``(ink - A) s / A'``).
"""

from __future__ import annotations

import math

from imgworker.render import vips
from imgworker.render.ops.blur import gaussian
from imgworker.render.ops.channels import on_colour

SCREEN_ANGLES = (15.0, 75.0, 0.0)  # R (cyan ink), G (magenta), B (yellow)


def cell_size(strength: float) -> float:
    """Screen cell size in px for ``htn`` 0..100."""
    return 3.0 + 0.09 * strength


def _coverage(xy: vips.Image, ink: vips.Image, size: float, angle: float) -> vips.Image:
    """Fraction 0-1 of the pixel covered by the dot of its cell."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    x, y = xy[0] + 0.5, xy[1] + 0.5
    u = (x * c + y * s) / size
    v = (y * c - x * s) / size
    fu = u - u.floor() - 0.5
    fv = v - v.floor() - 0.5
    rho = (fu * fu + fv * fv) ** 0.5
    safe = (rho < 0.5).ifthenelse(0.5, rho)
    corner = (0.5 / safe).acos() * (math.pi / 180.0)  # 0 inside the inscribed circle
    clipped = rho * rho * corner - ((safe * safe - 0.25) ** 0.5) * 0.5
    clipped = (rho < 0.5).ifthenelse(0.0, clipped)
    area = rho * rho * math.pi - clipped * 4.0
    perimeter = rho * (2.0 * math.pi - corner * 8.0)
    perimeter = (perimeter < 0.5).ifthenelse(0.5, perimeter)
    cover = (ink - area) * size / perimeter + 0.5
    return (cover < 0.0).ifthenelse(0.0, (cover > 1.0).ifthenelse(1.0, cover))


def halftone(rgb: vips.Image, strength: float) -> vips.Image:
    """The dot screen above on 3 colour bands; returns float 0-255."""
    size = cell_size(strength)
    xy = vips.xyz(rgb.width, rgb.height).cast("float")
    tone = gaussian(rgb.cast("float"), size / 3.0)
    bands = []
    for band, angle in enumerate(SCREEN_ANGLES):
        ink = 1.0 - tone[band] / 255.0
        bands.append((1.0 - _coverage(xy, ink, size, angle)) * 255.0)
    return bands[0].bandjoin(bands[1:])


def apply(image: vips.Image, strength: float) -> vips.Image:
    """Halftone ``image`` (alpha kept) when ``strength`` > 0."""
    if strength <= 0:
        return image
    return on_colour(image, lambda rgb: halftone(rgb, strength))
