"""``fm=json``: a JSON description of the **source** image (and ``faces=1``: its faces).

Docs: https://docs.imgix.com/getting-started/tutorials/performance-and-metadata/extract-image-metadata-with-json-output-format,
/apis/rendering/face-detection/faces (spec section 3.5). The keys are imgix's (which follow Apple
ImageIO's property names): ``PixelWidth``, ``PixelHeight`` (stored pixels of the selected page, not
EXIF-rotated), ``DPIWidth``/``DPIHeight`` (72 when the file states none), ``Depth`` (bits per
channel), ``ColorModel`` (``RGB``, ``CMYK``, ``Gray``), ``ProfileName`` (ICC description, when a
profile is embedded), ``Orientation`` (EXIF, 1-8), ``HasAlpha``, ``Content-Type``,
``Content-Length`` (a string, as in imgix's payload), the EXIF groups ``TIFF`` (IFD0), ``Exif``
(Exif IFD) and ``GPS`` (GPS IFD) with tag names as keys (rationals as numbers, lists for
multi-valued tags), ``JFIF`` for JPEG (``IsProgressive``, ``DensityUnit``, ``XDensity``,
``YDensity``, ``JFIFVersion``), ``GIF`` for GIF (``DelayTime``, ``UnclampedDelayTime`` in s, and
``LoopCount``) and ``Output`` (``{"Frames": n}`` for animated sources, empty for stills).

``faces=1`` adds ``Faces``: ``[{"bounds": {"x", "y", "width", "height"}, "confidence"}]``, in
pixels of the EXIF-upright source, largest face first (use with ``fit=facearea&faceindex=N``).
This payload keeps the metadata that rendered images strip.
"""

from __future__ import annotations

import json
import re
import struct
from typing import Any

from imgworker.render import vips
from imgworker.render.ops import colour, icc, jpeg, rotation
from imgworker.render.ops.faces import find_faces
from imgworker.render.params import Params

MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif", "tiff": "image/tiff",
        "svg": "image/svg+xml", "jxl": "image/jxl", "pdf": "application/pdf", "jp2": "image/jp2",
        "ppm": "image/x-portable-pixmap"}  # fmt: skip
_EXIF = re.compile(r"^(?P<raw>.*) \((?P<human>.*), (?P<type>[A-Za-z]+), \d+ components, \d+ bytes\)$", re.DOTALL)
_GROUPS = {"ifd0": "TIFF", "ifd2": "Exif", "ifd3": "GPS"}
_DEPTH = {"uchar": 8, "char": 8, "ushort": 16, "short": 16, "uint": 32, "int": 32, "float": 32, "double": 64}


def _number(text: str) -> float | int:
    if "/" in text:
        num, _, den = text.partition("/")
        d = float(den)
        value = float(num) / d if d else 0.0
        return int(value) if value.is_integer() else round(value, 6)
    return int(text)


def exif_value(text: str) -> Any:
    """A libvips ``exif-ifdN-Tag`` string as a JSON value (numbers for rationals/integers)."""
    m = _EXIF.match(text)
    if not m:
        return text
    raw, kind = m.group("raw").strip(), m.group("type")
    if kind in ("Rational", "SRational", "Short", "Long", "SShort", "SLong", "Byte", "SByte"):
        try:
            values = [_number(v) for v in raw.split()]
        except ValueError:
            return raw
        return values[0] if len(values) == 1 else values
    return raw


def _exif_groups(image: vips.Image) -> dict[str, dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for name in image.get_fields():
        parts = name.split("-", 2)
        if len(parts) == 3 and parts[0] == "exif" and parts[1] in _GROUPS:
            groups.setdefault(_GROUPS[parts[1]], {})[parts[2]] = exif_value(str(image.get(name)))
    return groups


def _jfif(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"IsProgressive": jpeg.is_progressive(data)}
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00":
        major, minor, unit, xd, yd = struct.unpack(">BBBHH", data[11:18])
        out.update(JFIFVersion=[major, 0, minor], DensityUnit=unit, XDensity=xd, YDensity=yd)
    return out


def _model(interpretation: str) -> str:
    if interpretation == "cmyk":
        return "CMYK"
    if interpretation in ("b-w", "grey16"):
        return "Gray"
    return "RGB"


def describe(data: bytes, info: vips.SourceInfo, params: Params) -> dict[str, Any]:
    """The ``fm=json`` document for a probed source (see module docstring)."""
    if info.format == "pdf":
        return _describe_pdf(data, info, params)
    image = vips.header(data, info.page)
    fields = set(image.get_fields())
    dpi_x = 72.0 if abs(image.xres - 1.0) < 1e-9 else round(image.xres * 25.4, 2)
    dpi_y = 72.0 if abs(image.yres - 1.0) < 1e-9 else round(image.yres * 25.4, 2)
    doc: dict[str, Any] = {
        "PixelWidth": info.width,
        "PixelHeight": info.height,
        "DPIWidth": dpi_x,
        "DPIHeight": dpi_y,
        "Depth": int(image.get("bits-per-sample")) if "bits-per-sample" in fields else _DEPTH.get(image.format, 8),
        "ColorModel": _model(info.interpretation),
        "Orientation": info.orientation,
        "HasAlpha": info.has_alpha,
        "Content-Type": MIME.get(info.format, "image/heif" if info.format == "heif" else "application/octet-stream"),
        "Content-Length": str(len(data)),
    }
    if info.format == "heif" and info.heif_compression == "av1":
        doc["Content-Type"] = "image/avif"
    if "icc-profile-data" in fields:
        name = icc.description(image.get("icc-profile-data"))
        if name:
            doc["ProfileName"] = name
    doc.update(_exif_groups(image))
    if info.format == "jpeg":
        doc["JFIF"] = _jfif(data)
    doc["Output"] = {"Frames": info.pages} if info.format in ("gif", "webp") and info.pages > 1 else {}
    if info.format == "gif":
        delays = image.get("delay") if "delay" in fields else [0]
        first = (delays[0] if isinstance(delays, (list, tuple)) and delays else 0) / 1000
        doc["GIF"] = {"DelayTime": max(first, 0.1) if first < 0.011 else first, "UnclampedDelayTime": first,
                      "LoopCount": int(image.get("loop")) if "loop" in fields else 0}  # fmt: skip
    if params.values.get("faces") == 1:
        doc["Faces"] = faces(data, info)
    return doc


def _describe_pdf(data: bytes, info: vips.SourceInfo, params: Params) -> dict[str, Any]:
    """A PDF page at 72 dpi, opaque RGB; ``PDF`` gives ``PageCount`` and the 1-based ``Page`` described
    (our addition: imgix does not document its JSON for PDF sources)."""
    doc: dict[str, Any] = {
        "PixelWidth": info.width, "PixelHeight": info.height, "DPIWidth": 72.0, "DPIHeight": 72.0, "Depth": 8,
        "ColorModel": "RGB", "Orientation": 1, "HasAlpha": False, "Content-Type": MIME["pdf"],
        "Content-Length": str(len(data)), "PDF": {"PageCount": info.pages, "Page": info.page + 1}, "Output": {},
    }  # fmt: skip
    if params.values.get("faces") == 1:
        doc["Faces"] = faces(data, info)
    return doc


def faces(data: bytes, info: vips.SourceInfo) -> list[dict[str, Any]]:
    """Faces of the upright source, boxes in upright source pixels (detected on a <= 288 px copy)."""
    longest = max(info.width, info.height)
    shrink = 1
    while info.format == "jpeg" and shrink < 8 and longest / (shrink * 2) >= 1280:
        shrink *= 2
    image = colour.to_srgb(vips.load(data, info, shrink=shrink))
    image = rotation.orient(image, info.orientation)
    up_w = info.height if info.orientation in (5, 6, 7, 8) else info.width
    k = up_w / image.width
    return [
        {"bounds": {"x": round(f.x * k), "y": round(f.y * k), "width": round(f.w * k), "height": round(f.h * k)},
         "confidence": round(f.confidence, 3)}
        for f in find_faces(image)
    ]  # fmt: skip


def render_json(data: bytes, info: vips.SourceInfo, params: Params) -> bytes:
    """The ``fm=json`` response body (UTF-8 JSON)."""
    return json.dumps(describe(data, info, params), ensure_ascii=False, default=str).encode("utf-8")
