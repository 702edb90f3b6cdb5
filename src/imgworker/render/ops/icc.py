"""ICC profile reading and writing, just enough for the renderer's colour decisions.

- :func:`description` reads the profile's ``desc`` tag (ICC v2 ``desc`` ASCII or v4 ``mluc``
  UTF-16BE), for ``fm=json``'s ``ProfileName`` and for diagnostics;
- :func:`is_srgb` decides whether converting a source to sRGB would be a no-op: a matrix/TRC
  profile whose D50 colorants equal sRGB's (within 0.01) and whose tone curves are sRGB-like (a
  gamma between 2.0 and 2.5, or a parametric/sampled curve); profiles without colorant tags (LUT
  profiles) count as sRGB only when their description says "sRGB". A mere "sRGB" in some text
  field is no longer enough (ProPhoto/P3 profiles never qualify);
- :func:`matrix_trc_profile` writes a small ICC v2 RGB display profile (primaries + one gamma),
  used for ``cs=adobergb1998`` (Adobe RGB (1998): D50-adapted colorants from the Adobe RGB (1998)
  colour-image encoding spec, gamma 563/256 = 2.19921875).

ICC layout: ICC.1:2010 (https://www.color.org/specification/ICC.1-2022-05.pdf), section 7.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

D50 = (0.9642, 1.0, 0.8249)
SRGB_COLORANTS = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))
ADOBE_RGB_COLORANTS = ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446))
ADOBE_RGB_GAMMA = 563 / 256


def _tags(profile: bytes) -> dict[bytes, bytes]:
    """Tag signature -> tag data (empty when the profile is malformed)."""
    if len(profile) < 132:
        return {}
    (count,) = struct.unpack(">I", profile[128:132])
    tags: dict[bytes, bytes] = {}
    for i in range(min(count, 200)):
        at = 132 + 12 * i
        if at + 12 > len(profile):
            break
        sig, offset, size = struct.unpack(">4sII", profile[at : at + 12])
        if offset + size <= len(profile):
            tags[sig] = profile[offset : offset + size]
    return tags


def description(profile: bytes) -> str | None:
    """The profile's description (``desc`` tag) or ``None``."""
    data = _tags(profile).get(b"desc", b"")
    if data[:4] == b"desc" and len(data) >= 12:
        (n,) = struct.unpack(">I", data[8:12])
        return data[12 : 12 + n].split(b"\x00", 1)[0].decode("latin-1").strip() or None
    if data[:4] == b"mluc" and len(data) >= 28:
        length, offset = struct.unpack(">II", data[20:28])
        return data[offset : offset + length].decode("utf-16-be", errors="replace").strip("\x00 ") or None
    return None


def _xyz(data: bytes) -> tuple[float, float, float] | None:
    if data[:4] != b"XYZ " or len(data) < 20:
        return None
    x, y, z = struct.unpack(">iii", data[8:20])
    return (x / 65536, y / 65536, z / 65536)


def _srgb_like_curve(data: bytes) -> bool:
    if data[:4] == b"curv" and len(data) >= 12:
        (n,) = struct.unpack(">I", data[8:12])
        if n == 1 and len(data) >= 14:
            gamma = struct.unpack(">H", data[12:14])[0] / 256
            return bool(2.0 <= gamma <= 2.5)
        return bool(n > 1)  # a sampled curve: assume the usual sRGB table
    if data[:4] == b"para" and len(data) >= 16:
        gamma = struct.unpack(">i", data[12:16])[0] / 65536
        return bool(2.0 <= gamma <= 2.5)
    return False


def is_srgb(profile: bytes) -> bool:
    """Whether ``profile`` describes sRGB closely enough that converting to sRGB changes nothing."""
    tags = _tags(profile)
    if profile[16:20] != b"RGB ":
        return False
    colorants = [_xyz(tags.get(sig, b"")) for sig in (b"rXYZ", b"gXYZ", b"bXYZ")]
    if all(c is not None for c in colorants):
        close = all(
            abs(a - b) <= 0.01
            for c, ref in zip(colorants, SRGB_COLORANTS, strict=True)
            for a, b in zip(c or (), ref, strict=True)
        )
        curves = [tags.get(sig, b"") for sig in (b"rTRC", b"gTRC", b"bTRC")]
        return close and all(_srgb_like_curve(c) for c in curves)
    desc = description(profile) or ""
    return "srgb" in desc.lower()


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz_tag(xyz: Sequence[float]) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + b"".join(_s15(v) for v in xyz)


def _desc_tag(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\x00"
    body = b"desc\x00\x00\x00\x00" + struct.pack(">I", len(ascii_)) + ascii_
    return body + b"\x00" * 11 + b"\x00" * 67  # empty Unicode and ScriptCode records


def matrix_trc_profile(name: str, colorants: Sequence[Sequence[float]], gamma: float) -> bytes:
    """An ICC v2.1 RGB display profile (PCS XYZ) with the given D50 colorants and one gamma curve."""
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(gamma * 256)) + b"\x00\x00"
    text = b"text\x00\x00\x00\x00" + b"No copyright, use freely\x00"
    body: list[tuple[bytes, bytes]] = [
        (b"desc", _desc_tag(name)), (b"cprt", text), (b"wtpt", _xyz_tag(D50)),
        (b"rXYZ", _xyz_tag(colorants[0])), (b"gXYZ", _xyz_tag(colorants[1])), (b"bXYZ", _xyz_tag(colorants[2])),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
    ]  # fmt: skip
    table, blobs = b"", b""
    offset = 128 + 4 + 12 * len(body)
    for sig, data in body:
        data += b"\x00" * (-len(data) % 4)
        table += struct.pack(">4sII", sig, offset + len(blobs), len(data))
        blobs += data
    size = offset + len(blobs)
    header = (
        struct.pack(">I", size) + b"none" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + b"\x00" * 12
        + b"acsp" + b"\x00" * 24 + struct.pack(">I", 0) + b"".join(_s15(v) for v in D50) + b"none" + b"\x00" * 44
    )  # fmt: skip
    assert len(header) == 128
    return header + struct.pack(">I", len(body)) + table + blobs
