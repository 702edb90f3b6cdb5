"""loading.py: ``rasterize-bypass=true`` returns SVG (sanitised) and PDF sources untouched (shrink-on-load:
test_shrink_on_load.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from helpers import FIXTURES, decode, size_of
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render
from imgworker.render.svg_sanitize import sanitize


def test_vector_sources_bypass_every_other_parameter(tmp_path: Path) -> None:
    svg = (FIXTURES / "LV_logo.svg").read_bytes()
    out = render(svg, parse_query("rasterize-bypass=true&w=50&fm=png&blur=100"))
    assert (out.content_type, out.data) == ("image/svg+xml", sanitize(svg))
    hostile = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script></svg>'
    assert b"script" not in render(hostile, parse_query("rasterize-bypass=1")).data  # still sanitised

    doc = pdfium.PdfDocument.new()
    doc.new_page(100, 50)
    doc.save(str(tmp_path / "a.pdf"))
    pdf = (tmp_path / "a.pdf").read_bytes()
    out = render(pdf, parse_query("rasterize-bypass=true&w=20"))
    assert (out.content_type, out.data) == ("application/pdf", pdf)
    assert render(pdf, parse_query("rasterize-bypass=false&w=20")).content_type == "image/jpeg"


def test_raster_sources_ignore_it() -> None:
    jpeg = (FIXTURES / "rocket.jpg").read_bytes()
    out = render(jpeg, parse_query("rasterize-bypass=true&w=64"))
    assert out.content_type == "image/jpeg" and size_of(out.data) == (64, 43)


def test_svg_is_drawn_at_the_output_density() -> None:
    """A 100x100 SVG asked for at 1000 px is drawn at 10x, with a crisp edge (an enlarged 100 px
    raster would ramp over about 10 px), and within 8192 px a side when asked for more."""
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
           b'<rect width="100" height="100" fill="white"/><rect x="0" y="0" width="50.5" height="100" fill="black"/>'
           b"</svg>")  # fmt: skip
    out = render(svg, parse_query("w=1000&fm=png"))
    assert (out.width, out.height) == (1000, 1000)
    row = decode(out.data)[500, :, 0].astype(int)
    assert np.count_nonzero((row > 20) & (row < 235)) <= 2, row[495:515]
    assert size_of(render(svg, parse_query("w=8192&fm=png")).data) == (8192, 8192)
