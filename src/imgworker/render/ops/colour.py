"""Colour management: every source into the 8-bit sRGB working space, and the output profile (``cs``).

Docs: https://docs.imgix.com/apis/rendering/format/cs (spec sections 3.4 and 4 step 3).

Input (:func:`to_srgb`, field cases A02-A06):

- CMYK/YCCK sources are converted through their embedded profile (libvips' built-in CMYK profile
  when none) to 3-band sRGB (A02);
- RGB/grey sources with an embedded profile that is not sRGB (Display-P3, Adobe RGB, ProPhoto:
  A03) are converted with it; sRGB-equivalent profiles skip the transform (:func:`icc.is_srgb`);
- 16-bit sources are reduced to 8 bits (colour-managed, or ``colourspace`` = /257: A04); grey and
  grey+alpha become sRGB with alpha kept (A05); palette PNGs with tRNS arrive as RGBA from libvips
  (A06). The embedded profile is removed: pixels are sRGB from here on.

Output (:func:`output_profile`), the profile written with the image:

========================  ===============================================================
``cs``                    output
========================  ===============================================================
absent / ``origin``       sRGB pixels; tagged with libvips' compact sRGB profile (480 B) when
                          the source had a profile, untagged otherwise. (imgix keeps the
                          source profile; we convert wide-gamut sources to sRGB instead, which
                          A03 allows: "convert pixels to sRGB, then tag sRGB".)
``srgb``, ``tinysrgb``    sRGB pixels, always tagged with the compact sRGB profile (480 B:
                          already "tiny", so both values write the same profile)
``adobergb1998``          pixels converted to Adobe RGB (1998) and tagged with a generated
                          524-byte matrix/TRC Adobe RGB profile (:func:`icc.matrix_trc_profile`)
``strip``                 sRGB pixels, no profile
========================  ===============================================================

``auto=compress`` strips the profile as ``cs=strip`` does (spec 3.3) unless ``cs`` is given.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from imgworker.render import vips
from imgworker.render.ops import icc
from imgworker.render.params import Params

ICC_FIELD = "icc-profile-data"


def is_srgb_profile(profile: bytes) -> bool:
    """Whether converting from ``profile`` to sRGB would be a no-op (see :func:`icc.is_srgb`)."""
    return icc.is_srgb(profile)


def to_srgb(image: vips.Image) -> vips.Image:
    """Convert any input to 8-bit sRGB (alpha kept, as 8-bit), without an embedded profile."""
    fields = set(image.get_fields())
    interpretation = str(image.interpretation)
    if interpretation == "cmyk":
        image = image.icc_transform("srgb", embedded=True, input_profile="cmyk")
    elif ICC_FIELD in fields and not is_srgb_profile(image.get(ICC_FIELD)):
        profile = image.get(ICC_FIELD)
        if profile[16:20] in (b"RGB ", b"GRAY"):
            image = image.icc_transform("srgb", embedded=True)
    if str(image.interpretation) != "srgb":
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.cast("uchar")
    if ICC_FIELD in image.get_fields():
        image = image.copy()
        image.remove(ICC_FIELD)
    return image


@cache
def _profile_path(name: str) -> str:
    """A file holding a generated profile (libvips' ``icc_transform`` reads output profiles from files)."""
    data = icc.matrix_trc_profile("Adobe RGB (1998) compatible", icc.ADOBE_RGB_COLORANTS, icc.ADOBE_RGB_GAMMA)
    folder = Path(tempfile.gettempdir()) / "imgworker-icc"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{len(data)}.icc"
    if not path.exists() or path.read_bytes() != data:
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return str(path)


def cs_mode(params: Params) -> str:
    """The effective ``cs``: the given value, ``strip`` under ``auto=compress``, else ``origin``."""
    cs = params.values.get("cs")
    if cs:
        return str(cs)
    return "strip" if "compress" in params.auto else "origin"


def output_profile(image: vips.Image, params: Params, source_had_icc: bool) -> vips.Image:
    """Attach (or convert to) the output profile chosen by ``cs`` (see the module table)."""
    mode = cs_mode(params)
    if mode == "strip" or (mode == "origin" and not source_had_icc):
        return image
    if mode == "adobergb1998":
        return image.icc_transform(_profile_path("adobergb1998"), input_profile="srgb")
    return vips.set_blob(image, ICC_FIELD, srgb_profile())


@cache
def srgb_profile() -> bytes:
    """libvips' built-in compact sRGB profile (480 bytes), attached without touching the pixels."""
    probe = vips.solid(1, 1, (0, 0, 0)).icc_transform("srgb", input_profile="srgb")
    data: bytes = probe.get(ICC_FIELD)
    return data
