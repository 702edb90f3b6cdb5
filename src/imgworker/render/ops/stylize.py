"""The ``effects`` step, after sizing and rotation (imgix order of operations steps 3-4,
https://docs.imgix.com/resources/order-of-operations; spec section 4 rows 10-11).

=============  ===========  =======  ====================================================
parameter      range        default  docs page (https://docs.imgix.com/apis/rendering/)
=============  ===========  =======  ====================================================
``nr``         -100..100    20 [1]_  noise-reduction/noise-reduction-bound
``nrs``        -100..100    20 [1]_  noise-reduction/noise-reduction-sharpen
``sharp``      0..100       0        adjustment/sharp
``usm``        -100..100    0        adjustment/usm (``usmrad`` px, default 2.5)
``blur``       0..2000      0        stylize/blur
``px``         0..100 (px)  0        stylize/pixellate
``htn``        0..100       0        stylize/halftone
=============  ===========  =======  ====================================================

.. [1] only when ``nr`` or ``nrs`` is given.

They run in that order (imgix does not publish the order inside a step): noise reduction and
sharpening first, on the sized pixels, then the effects. Formulas: :mod:`~imgworker.render.ops.sharpen`,
:mod:`~imgworker.render.ops.blur`, :mod:`~imgworker.render.ops.halftone`.

- ``blur``: a Gaussian of sigma ``v / 10`` px of the output image (``blur=200`` -> sigma 20;
  the mapping imgix documents for its video ``fill-blur``, spec 2.2, unverified for images),
  premultiplied by alpha when there is one; any strength costs about the same (see
  :func:`imgworker.render.ops.blur.gaussian`).
- ``px``: ``v`` x ``v`` px blocks of the output image, each the mean of its pixels, aligned on the
  top-left corner (premultiplied by alpha). ``px=1`` changes nothing.
"""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.ops import blur, halftone, sharpen
from imgworker.render.ops.channels import on_premultiplied
from imgworker.render.params import Params

BLUR_SIGMA_PER_UNIT = 0.1


def blur_sigma(value: float) -> float:
    """Gaussian sigma (px) for a ``blur`` value (0..2000)."""
    return value * BLUR_SIGMA_PER_UNIT


def apply(image: vips.Image, params: Params) -> vips.Image:
    """Apply the table above (alpha kept by the colour filters, blurred along with blur/px)."""
    image = sharpen.apply(image, params)
    sigma = blur_sigma(float(params.get("blur", 0)))
    if sigma > 0:
        image = on_premultiplied(image, lambda im: blur.gaussian(im, sigma))
    size = int(params.get("px", 0))
    if size > 1:
        image = on_premultiplied(image, lambda im: blur.pixelate(im, size))
    return halftone.apply(image, float(params.get("htn", 0)))
