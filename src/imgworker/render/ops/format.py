"""Output format decision and encoding: ``fm``, ``auto=format|compress``, ``q``, ``lossless``,
``jpg-progressive``, ``chromasub``, ``cs``, ``dpi``.

Docs: https://docs.imgix.com/apis/rendering/format/fm, /auto, /q, /lossless, /chromasub,
/jpg-progressive (spec sections 3.1-3.4):

- ``auto=format``: AVIF when the ``Accept`` header allows ``image/avif``, else WebP when it allows
  ``image/webp``, else ``fm`` / the source format; the response varies on ``Accept``;
- ``auto=compress``: ``q`` defaults to 45, and a still image becomes PNG when it has alpha, else
  JPEG (overriding ``fm``); with ``format`` too: AVIF > WebP > PNG8 (alpha) / JPEG;
- no ``fm``: the source format when it can be written (JPEG, PNG, WebP, GIF, AVIF), else JPEG for
  opaque and PNG for transparent images (spec 3.1, our documented choice);
- JPEG is progressive unless ``jpg-progressive=false``, 4:2:0 unless ``chromasub=444`` (4:2:2
  is written as 4:2:0: libvips offers no 4:2:2 mode); metadata is stripped except the ICC profile
  (and none at all with ``cs=strip``).
"""

from __future__ import annotations

from dataclasses import dataclass

from imgworker.render import vips
from imgworker.render.errors import RenditionFormatUnsupported
from imgworker.render.params import Params

CONTENT_TYPES = {
    "jpg": "image/jpeg", "pjpg": "image/jpeg", "png": "image/png", "png8": "image/png",
    "png32": "image/png", "webp": "image/webp", "avif": "image/avif", "gif": "image/gif",
    "jxl": "image/jxl", "json": "application/json", "blurhash": "text/plain; charset=utf-8",
}  # fmt: skip
ALPHA_FORMATS = frozenset({"png", "png8", "png32", "webp", "avif", "gif", "jxl"})
_FROM_SOURCE = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}


@dataclass(frozen=True)
class OutputFormat:
    """The chosen format (imgix ``fm`` name), its Content-Type, quality and ``Vary: Accept``."""

    fm: str
    content_type: str
    quality: int
    vary_accept: bool


def _accepts(accept: str, mime: str) -> bool:
    """Whether an ``Accept`` header lists ``mime`` with a non-zero ``q``."""
    for item in accept.lower().split(","):
        name, _, rest = item.strip().partition(";")
        if name.strip() != mime:
            continue
        q = 1.0
        for part in rest.split(";"):
            key, _, value = part.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        return q > 0
    return False


def source_output_format(source_format: str, heif_compression: str | None, has_alpha: bool) -> str:
    if source_format in _FROM_SOURCE:
        return _FROM_SOURCE[source_format]
    if source_format == "heif" and heif_compression == "av1":
        return "avif"
    return "png" if has_alpha else "jpg"


def decide(
    params: Params, accept: str, source_fm: str, has_alpha: bool, animated: bool = False
) -> OutputFormat:
    """Pick the output format for a rendered image (see module docstring)."""
    auto = params.auto
    fm = params.values.get("fm") or source_fm
    vary = False
    if fm in ("mp4", "webm", "jxr", "jp2"):
        raise RenditionFormatUnsupported(f"output format fm={fm} is not supported by this renderer")
    if "compress" in auto and not animated:
        fm = "png" if has_alpha else "jpg"
    if "format" in auto:
        vary = True
        if _accepts(accept, "image/avif") and not animated:
            fm = "avif"
        elif _accepts(accept, "image/webp"):
            fm = "webp"
        elif "compress" in auto and not animated:
            fm = "png8" if has_alpha else "jpg"
    default_q = 45 if "compress" in auto else 75
    q = int(params.values["q"]) if params.has("q") else default_q
    return OutputFormat(fm, CONTENT_TYPES.get(fm, "application/octet-stream"), max(1, min(100, q)), vary)


def encode(image: vips.Image, out: OutputFormat, params: Params) -> bytes:
    """Encode the final 8-bit sRGB image. Metadata is stripped except the ICC profile (see ``cs``)."""
    cs = params.values.get("cs")
    has_icc = "icc-profile-data" in image.get_fields()
    keep = "icc" if has_icc and cs != "strip" else "none"
    if params.has("dpi"):
        dpi = float(params.values["dpi"])
        image = image.copy(xres=dpi / 25.4, yres=dpi / 25.4)
    fm = out.fm
    if fm in ("jpg", "pjpg"):
        progressive = fm == "pjpg" or bool(params.get("jpg-progressive", True))
        sub = "off" if params.values.get("chromasub") == 444 else "on"
        return vips.save(image, ".jpg", Q=out.quality, interlace=progressive, subsample_mode=sub,
                         optimize_coding=True, keep=keep)  # fmt: skip
    if fm in ("png", "png32"):
        return vips.save(image, ".png", compression=6, keep=keep)
    if fm == "png8":
        colours = int(params.values.get("colorquant", 256))
        return vips.save(image, ".png", palette=True, bitdepth=8, Q=100, colours=max(2, min(256, colours)),
                         keep=keep)  # fmt: skip
    if fm == "webp":
        lossless = bool(params.get("lossless", False))
        return vips.save(image, ".webp", Q=out.quality, lossless=lossless, keep=keep)
    if fm == "avif":
        return vips.save(image, ".avif", Q=out.quality, compression="av1", effort=2, keep=keep)
    if fm == "gif":
        return vips.save(image, ".gif", keep="none")
    if fm == "jxl" and vips.has_saver("jxlsave"):
        return vips.save(image, ".jxl", Q=out.quality, keep=keep)
    raise RenditionFormatUnsupported(f"output format fm={fm} is not supported by this renderer")
