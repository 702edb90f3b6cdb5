"""loading.py: ``rasterize-bypass=true`` returns SVG (sanitised) and PDF sources untouched (shrink-on-load:
test_shrink_on_load.py)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from helpers import FIXTURES, size_of
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
