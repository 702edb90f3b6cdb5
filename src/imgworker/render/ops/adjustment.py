"""The ``adjust`` step: colour and contrast adjustments before sizing (imgix order of operations
step 2, https://docs.imgix.com/resources/order-of-operations; spec section 4 row 5).

Parameters, ranges (values outside a suggested range are clamped by the parser) and defaults:

=================  ===============  =======  ==================================================
parameter          range            default  docs page (https://docs.imgix.com/apis/rendering/)
=================  ===============  =======  ==================================================
``auto=enhance``   flag             off      auto/auto
``exp``            -100..100        0        adjustment/exp
``bri``            -100..100        0        adjustment/bri
``con``            -100..100        0        adjustment/con
``gam``            -100..100        0        adjustment/gam
``shad``           0..100           0        adjustment/shad
``high``           -100..0          0        adjustment/high
``vib``            -100..100        0        adjustment/vib
``sat``            -100..100        0        adjustment/sat
``hue``            0..360 (deg)     0        adjustment/hue
``invert``/inv     boolean          false    adjustment/invert
``monochrome``     colour (ARGB)    none     stylize/monochrome
``sepia``          0..100           0        stylize/sepia
``duotone``        colour,colour    none     stylize/duotone (+ ``duotone-alpha`` 0..100, 100)
=================  ===============  =======  ==================================================

They run in the order of that table (the order inside imgix's step is unpublished); the formulas
are in :mod:`imgworker.render.ops.tone` and :mod:`imgworker.render.ops.tint` and in
``docs/renderer-adjustments.md``. Only the colour bands change: the alpha band is passed through
untouched. A request with none of these parameters returns the image object unchanged.
"""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.ops import tint, tone
from imgworker.render.ops.channels import join_alpha, split_alpha
from imgworker.render.params import Params

PARAMS = frozenset(
    {"bri", "con", "exp", "gam", "high", "shad", "hue", "sat", "vib", "invert", "monochrome", "sepia", "duotone"}
)


def requested(params: Params) -> bool:
    """Whether any adjustment changes pixels (given values that are not neutral, or auto=enhance)."""
    if tone.wants_enhance(params):
        return True
    return any(params.values.get(name) for name in PARAMS)


def apply(image: vips.Image, params: Params) -> vips.Image:
    """Apply the adjustments of the table above to an 8-bit sRGB image (alpha kept)."""
    if not requested(params):
        return image
    if tone.wants_enhance(params):
        image = vips.evaluate(image)  # the histogram and the mapping both read the pixels
    rgb, alpha = split_alpha(image)
    rgb = tone.apply_tone(rgb, params, alpha)
    rgb = tint.apply_tone_curves(rgb, params)
    matrix = tint.colour_matrix(params)
    if matrix is not None:
        rgb = tint.apply_matrix(rgb, matrix)
    if params.get("invert", False):
        rgb = rgb.invert()
    colour = params.values.get("monochrome")
    if colour is not None:
        rgb = tint.monochrome(rgb, colour)
    sepia = float(params.get("sepia", 0))
    if sepia:
        rgb = tint.apply_matrix(rgb, tint.sepia_matrix(sepia / 100.0))
    duotone = params.values.get("duotone")
    if duotone is not None:
        rgb = tint.duotone(rgb, duotone[0], duotone[1], float(params.get("duotone-alpha", 100)) / 100.0)
    return join_alpha(rgb, alpha)
