"""Colour management into the sRGB 8-bit working space (imgix ``cs``; spec sections 3.4 and 4 step 3).

CMYK/YCCK sources are converted with their embedded profile (libvips' built-in CMYK profile when
none); other sources with an embedded non-sRGB profile (Display-P3, Adobe RGB, ProPhoto: field
case A03) are converted to sRGB; sources already in sRGB skip the transform (the costly no-op the
performance anchors call out). 16-bit and grey sources end as 8-bit sRGB (A04, A05).
"""

from __future__ import annotations

from imgworker.render import vips

_SRGB_MARKERS = (b"sRGB", "sRGB".encode("utf-16-be"))


def is_srgb_profile(profile: bytes) -> bool:
    """Heuristic: the profile's description names sRGB (``desc``/``mluc`` text, ASCII or UTF-16)."""
    return any(m in profile for m in _SRGB_MARKERS)


def to_srgb(image: vips.Image) -> vips.Image:
    """Convert any input to 8-bit sRGB (with alpha kept, premultiplication untouched)."""
    fields = set(image.get_fields())
    interpretation = str(image.interpretation)
    if interpretation == "cmyk":
        image = image.icc_transform("srgb", embedded=True, input_profile="cmyk")
    elif "icc-profile-data" in fields:
        profile = image.get("icc-profile-data")
        if not is_srgb_profile(profile) and interpretation not in ("b-w", "grey16"):
            image = image.icc_transform("srgb", embedded=True)
    if str(image.interpretation) not in ("srgb",):
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.cast("uchar")
    return image
