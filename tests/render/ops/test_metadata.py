"""metadata.py: fm=json describes the source (EXIF groups, JFIF, GIF timing, profile) and faces=1."""

from __future__ import annotations

import json
from typing import Any

from helpers import EXAMPLES, fixture
from imgworker.render.ops import metadata
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render


def doc(name: str, query: str = "fm=json", folder: Any = None) -> dict[str, Any]:
    path = (folder / name) if folder else fixture(name)
    out = render(path.read_bytes(), parse_query(query))
    assert out.content_type == "application/json"
    result: dict[str, Any] = json.loads(out.data)
    return result


def test_jpeg_with_gps() -> None:
    d = doc("gps.jpg", "fm=json&w=10")  # size parameters do not change the description
    assert (d["PixelWidth"], d["PixelHeight"], d["ColorModel"], d["Depth"]) == (640, 480, "RGB", 8)
    assert d["Content-Type"] == "image/jpeg" and d["Content-Length"] == str(fixture("gps.jpg").stat().st_size)
    assert d["TIFF"]["Make"] == "TestMake" and d["TIFF"]["XResolution"] == 72
    assert d["GPS"]["GPSLatitude"] == [48, 51, 29.9] and d["GPS"]["GPSLatitudeRef"] == "N"
    assert d["JFIF"]["IsProgressive"] is False and d["Output"] == {} and "Faces" not in d


def test_orientation_profile_and_alpha() -> None:
    d = doc("orientation/Landscape_6.jpg")
    assert d["Orientation"] == 6 and d["PixelWidth"] < d["PixelHeight"]  # stored, not rotated
    assert doc("SH_prophoto.png")["ProfileName"] == "ProPhoto RGB"
    assert doc("SH_Channel_digital_image_CMYK_color_200.jpg")["ColorModel"] == "CMYK"
    logo = doc("logo.png")
    assert logo["HasAlpha"] is True and logo["DPIWidth"] > 0
    assert doc("SH_Flag_of_the_Netherlands-16bit.png")["Depth"] == 16
    assert doc("SH_grey-8bit-alpha.png")["ColorModel"] == "Gray"


def test_animated_gif_frames_and_delay() -> None:
    d = doc("SH_animated-loop-3.gif")
    assert d["Output"] == {"Frames": 10} and d["GIF"]["DelayTime"] == 3.0 and d["GIF"]["LoopCount"] == 3


def test_faces() -> None:
    d = doc("astronaut.png", "fm=json&faces=1", EXAMPLES)
    assert len(d["Faces"]) >= 1
    box = d["Faces"][0]["bounds"]
    # Eileen Collins' face in the 512x512 NASA portrait: around x 170-260, y 60-170
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert 170 < cx < 270 and 60 < cy < 170 and 0 < d["Faces"][0]["confidence"] <= 1
    assert doc("noface.jpg", "fm=json&faces=1")["Faces"] == []


def test_exif_value_parsing() -> None:
    assert metadata.exif_value("72/1 (72, Rational, 1 components, 8 bytes)") == 72
    assert metadata.exif_value("1/3 (0.33, Rational, 1 components, 8 bytes)") == 0.333333
    assert metadata.exif_value("6 (Right-top, Short, 1 components, 2 bytes)") == 6
    assert metadata.exif_value("Canon (Canon, ASCII, 6 components, 6 bytes)") == "Canon"
    assert metadata.exif_value("no parenthesis") == "no parenthesis"
