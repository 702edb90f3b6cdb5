"""Output format decision and encoding: ``fm``, ``auto=format|compress``, ``q``, ``lossless``,
``jpg-progressive``, ``chromasub``, ``colorquant``, ``cs``, ``dpi``.

Docs: https://docs.imgix.com/apis/rendering/format/fm, /auto, /q, /lossless, /chromasub,
/jpg-progressive, /colorquant, /cs, /dpi (spec sections 3.1-3.4):

- ``auto=format``: AVIF when the ``Accept`` header allows ``image/avif``, else WebP when it allows
  ``image/webp``, else ``fm`` / the source format; the response varies on ``Accept``. Animated
  output never becomes AVIF (libvips writes still AVIF only); it becomes animated WebP;
- ``auto=compress``: ``q`` defaults to 45, metadata and the ICC profile are stripped, and a still
  image becomes PNG when it has an alpha band, else JPEG (overriding ``fm``, GIF included); with
  ``format`` too: AVIF > WebP > PNG8 (alpha) / JPEG. Animated sources are not converted;
- no ``fm``: the source format when it can be written (JPEG, PNG, WebP, GIF, AVIF), else JPEG for
  opaque and PNG for transparent images (spec 3.1, our documented choice);
- ``jp2``, ``jxr``, ``mp4``, ``webm`` cannot be written here: :class:`RenditionFormatUnsupported`
  (422). ``jxl`` is not an imgix ``fm`` value (the parser ignores it); this libvips has no
  ``jxlsave`` in any case;
- ``q`` 0-100 (default 75; 45 under ``auto=compress``; 0 is written as 1) for jpg/pjpg/webp/avif;
  ``lossless=1`` gives lossless WebP (and AVIF);
- JPEG is progressive unless ``jpg-progressive=false`` (``pjpg``: always), chroma 4:2:0 by default,
  ``chromasub=444`` (libvips) or ``422`` (OpenCV encoder, :mod:`.jpeg`), at any ``q``;
- ``png8``: palette PNG (libimagequant, 256 colours); ``colorquant=N`` (2-256) first reduces the
  image to N colours (:func:`.palette.quantize`) and applies to png, png8, png32 and gif (palette
  output); it is ignored by the lossy formats, where it would only add artefacts;
- ``dpi`` is written into JPEG (JFIF density) and PNG (pHYs); pixels are unchanged;
- metadata (EXIF, GPS, XMP, IPTC, Photoshop) is never written; the ICC profile follows ``cs``
  (:func:`.colour.output_profile`).
"""

from __future__ import annotations

from dataclasses import dataclass

from imgworker.render import deadline, vips
from imgworker.render.errors import RenditionFormatUnsupported
from imgworker.render.ops import animation, colour, jpeg, palette
from imgworker.render.params import Params

CONTENT_TYPES = {
    "jpg": "image/jpeg", "pjpg": "image/jpeg", "png": "image/png", "png8": "image/png",
    "png32": "image/png", "webp": "image/webp", "avif": "image/avif", "gif": "image/gif",
    "jxl": "image/jxl", "json": "application/json", "blurhash": "text/plain; charset=utf-8",
}  # fmt: skip
ALPHA_FORMATS = frozenset({"png", "png8", "png32", "webp", "avif", "gif", "jxl"})
ANIMATED_FORMATS = frozenset({"gif", "webp"})
UNWRITABLE = frozenset({"jp2", "jxr", "mp4", "webm"})
_FROM_SOURCE = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}
_PALETTE_FORMATS = frozenset({"png", "png8", "png32", "gif"})


@dataclass(frozen=True)
class OutputFormat:
    """The chosen format (imgix ``fm`` name), its Content-Type, quality and ``Vary: Accept``."""

    fm: str
    content_type: str
    quality: int
    vary_accept: bool

    @property
    def animates(self) -> bool:
        """Whether this format keeps every frame of an animated source (GIF, WebP)."""
        return self.fm in ANIMATED_FORMATS


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
    """The output format when neither ``fm`` nor ``auto`` chooses one (spec 3.1)."""
    if source_format in _FROM_SOURCE:
        return _FROM_SOURCE[source_format]
    if source_format == "heif" and heif_compression == "av1":
        return "avif"
    return "png" if has_alpha else "jpg"


def decide(params: Params, accept: str, source_fm: str, has_alpha: bool, animated: bool = False) -> OutputFormat:
    """Pick the output format for a rendered image (see module docstring).

    ``animated``: the source has several frames and all of them are being rendered.

    Raises:
        RenditionFormatUnsupported: ``fm`` is jp2, jxr, mp4 or webm.
    """
    auto = params.auto
    fm = str(params.values.get("fm") or source_fm)
    vary = False
    if fm in UNWRITABLE:
        raise RenditionFormatUnsupported(f"output format fm={fm} is not supported by this renderer")
    if fm in ("json", "blurhash"):  # not images: auto never replaces them
        return OutputFormat(fm, CONTENT_TYPES[fm], 75, False)
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


ENCODE_US_PER_PIXEL = {
    "jpg": 0.02, "pjpg": 0.02, "png": 0.1, "png32": 0.1, "png8": 0.8, "gif": 1.0, "webp": 0.15,
    "webp-lossless": 1.2, "avif": 1.2, "avif-lossless": 4.5,
}  # fmt: skip
"""Encoder time per output pixel (microseconds), measured on the project's 2-core machine on a 6 MP
photo (lossless WebP on 24 MP: about 1 us) and rounded up. Used only to refuse, with a 503, an
encode that cannot finish inside the request deadline (encoders cannot be interrupted)."""


def _afford(image: vips.Image, fm: str, params: Params) -> None:
    key = f"{fm}-lossless" if params.get("lossless") and f"{fm}-lossless" in ENCODE_US_PER_PIXEL else fm
    if params.has("colorquant") and fm not in ("png8", "gif"):
        key = "png8"
    cost = ENCODE_US_PER_PIXEL.get(key, 0.1) * image.width * image.height / 1e6
    deadline.afford(cost, f"encoding {image.width}x{image.height} px as {key}")


PHOTOSHOP = b"Photoshop 3.0\x00"


def photoshop_iptc(block: bytes) -> bytes:
    """The JPEG APP13 payload for an IPTC block: as is when it already is one (JPEG sources), else
    raw IPTC-IIM (TIFF sources) wrapped in an ``8BIM`` resource 0x0404 (Adobe's Photoshop file format
    spec, "Image resource blocks"; empty name, data padded to an even length)."""
    if block.startswith(PHOTOSHOP):
        return block
    padded = block + (b"\x00" if len(block) % 2 else b"")
    return PHOTOSHOP + b"8BIM\x04\x04\x00\x00" + len(block).to_bytes(4, "big") + padded


def encode(
    image: vips.Image, out: OutputFormat, params: Params, source_had_icc: bool = False, source_iptc: bytes | None = None
) -> bytes:
    """Encode the final 8-bit sRGB image (one frame, or all frames stacked with ``page-height``).

    ``iptc=allow`` with JPEG output carries the source's IPTC block (``source_iptc``, the Photoshop
    APP13 payload as libvips reads it) into the rendition; by default, as at imgix, it is blocked
    (https://docs.imgix.com/apis/rendering/format/iptc; field case A24 for the default).

    Raises:
        RenditionFormatUnsupported: a format this libvips cannot write.
    """
    fm = out.fm
    if params.has("colorquant") and fm in _PALETTE_FORMATS:
        image = animation.copy_meta(palette.quantize(image, int(params.values["colorquant"])), image)
        fm = "png8" if fm.startswith("png") else fm
    image = colour.output_profile(image, params, source_had_icc)
    _afford(image, fm, params)
    keep = "icc" if "icc-profile-data" in image.get_fields() else "none"
    if params.has("dpi") and fm in ("jpg", "pjpg", "png", "png8", "png32"):
        dpi = float(params.values["dpi"])
        image = image.copy(xres=dpi / 25.4, yres=dpi / 25.4)
    if fm in ("jpg", "pjpg"):
        progressive = fm == "pjpg" or bool(params.get("jpg-progressive", True))
        chromasub = params.values.get("chromasub", 420)
        if chromasub == 422:
            icc = image.get("icc-profile-data") if keep == "icc" else None
            density = float(params.values["dpi"]) if params.has("dpi") else None
            return jpeg.encode_422(vips.to_numpy(vips.evaluate(image)), out.quality, progressive, icc, density)
        sub = "off" if chromasub == 444 else "on"
        if params.get("iptc") == "allow" and source_iptc:
            image = vips.set_blob(image, "iptc-data", photoshop_iptc(source_iptc))
            keep = "iptc" if keep == "none" else f"{keep}:iptc"
        data = vips.save(image, ".jpg", Q=out.quality, interlace=progressive, subsample_mode=sub,
                         optimize_coding=True, keep=keep)  # fmt: skip
        return jpeg.set_density(data, float(params.values["dpi"])) if params.has("dpi") else data
    if fm in ("png", "png32"):
        return vips.save(image, ".png", compression=6, keep=keep)
    if fm == "png8":
        colours = int(params.values.get("colorquant", 256))
        bitdepth = next(b for b in (1, 2, 4, 8) if 2**b >= colours)
        return vips.save(image, ".png", palette=True, bitdepth=bitdepth, Q=100, dither=0.0 if colours < 256 else 1.0,
                         keep=keep)  # fmt: skip
    if fm == "webp":
        lossless = bool(params.get("lossless", False))
        return vips.save(image, ".webp", Q=out.quality, lossless=lossless, keep=keep)
    if fm == "avif":
        lossless = bool(params.get("lossless", False))
        return vips.save(image, ".avif", Q=out.quality, compression="av1", effort=2, lossless=lossless, keep=keep)
    if fm == "gif":
        return vips.save(image, ".gif", keep="none")
    if fm == "jxl" and vips.has_saver("jxlsave"):
        return vips.save(image, ".jxl", Q=out.quality, keep=keep)
    raise RenditionFormatUnsupported(f"output format fm={fm} is not supported by this renderer")
