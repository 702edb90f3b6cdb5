"""Compare two rendition files by decoded content, with a tolerance (for ``imgworker test-worker``).

The aio harness compares bytes; the SDK's own ``validate-image.sh`` compares mime type, size, and runs
``compare -metric AE -fuzz 10%`` (no pixel may differ by more than 10 %). This module does the same with
libvips (imported lazily; only this test tool needs it outside the renderer):

* equal files pass at once; non-images must be byte-equal;
* images must have the same detected mime type and width x height (px);
* both are converted to 8-bit sRGB (alpha kept, added to the other side when only one has it);
  a pixel "differs" when any band differs by more than ``fuzz`` (0..1, default 0.10 of 255); the
  comparison fails when the fraction of differing pixels exceeds ``max_fraction`` (0..1, default 0).
"""

from __future__ import annotations

import filecmp
from pathlib import Path
from typing import Any

from imgworker.sniff import sniff_file


def compare_files(expected: Path, actual: Path, *, fuzz: float = 0.10, max_fraction: float = 0.0) -> str | None:
    """None when ``actual`` matches ``expected``, else the reason (a sentence)."""
    if filecmp.cmp(expected, actual, shallow=False):
        return None
    want, got = sniff_file(expected), sniff_file(actual)
    if not want.mime.startswith("image/") or not got.mime.startswith("image/"):
        return "content differs"
    if want.mime != got.mime:
        return f"format is {got.mime}, expected {want.mime}"
    return compare_images(expected, actual, fuzz=fuzz, max_fraction=max_fraction)


def _load(path: Path) -> Any:
    import pyvips

    image = pyvips.Image.new_from_file(str(path))
    if image.interpretation not in ("srgb", "b-w") or image.format != "uchar":
        image = image.colourspace("srgb").cast("uchar")
    if image.bands in (1, 2):
        image = image.colourspace("srgb")
    return image


def compare_images(expected: Path, actual: Path, *, fuzz: float = 0.10, max_fraction: float = 0.0) -> str | None:
    """Pixel comparison of two images (module docstring); None when within tolerance."""
    import pyvips

    try:
        want, got = _load(expected), _load(actual)
    except pyvips.Error as exc:
        return f"cannot decode: {str(exc).strip().splitlines()[0]}"
    if (want.width, want.height) != (got.width, got.height):
        return f"size is {got.width}x{got.height}, expected {want.width}x{want.height}"
    if want.bands != got.bands:
        want, got = (want if want.bands == 4 else want.bandjoin(255)), (got if got.bands == 4 else got.bandjoin(255))
    diff = (want.cast("short") - got.cast("short")).abs()
    worst = diff[0]
    for k in range(1, diff.bands):
        worst = (worst > diff[k]).ifthenelse(worst, diff[k])
    fraction = float((worst > fuzz * 255).avg()) / 255.0
    if fraction > max_fraction:
        return (
            f"{fraction:.3%} of pixels differ by more than {fuzz:.0%} "
            f"(allowed: {max_fraction:.3%}, max difference {int(worst.max())}/255)"
        )
    return None
