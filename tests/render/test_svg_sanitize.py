"""svg_sanitize.py: scripts and external references removed, internal ones kept."""

from __future__ import annotations

import pytest

from helpers import fixture
from imgworker.render.svg_sanitize import UnsafeSvg, sanitize

SVG = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY fill "red">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"
     onload="alert(1)">
  <style>@import url(http://evil.example/x.css); rect { fill: url(#g); stroke: url(http://evil.example/p) }</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="&fill;"/></linearGradient></defs>
  <rect width="10" height="10" style="background: url('file:///etc/passwd')"/>
  <image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>
  <image xlink:href="http://127.0.0.1:18999/probe.png" width="1" height="1"/>
  <use xlink:href="#g"/><use href="other.svg#x"/>
  <script>alert(2)</script><foreignObject><p>hi</p></foreignObject>
</svg>"""


def test_sanitize_removes_active_and_external_content() -> None:
    out = sanitize(SVG)
    for bad in (b"<script", b"onload", b"foreignObject", b"evil.example", b"file:///", b"127.0.0.1", b"other.svg"):
        assert bad not in out, bad
    for kept in (b"url(#g)", b'href="#g"', b"data:image/png;base64", b'stop-color="red"'):
        assert kept in out, kept


def test_fixture_probe_keeps_its_rect() -> None:
    out = sanitize(fixture("extimg.svg").read_bytes())
    assert b"<rect" in out and b"<script" not in out and b"18999" not in out


def test_not_xml_raises() -> None:
    with pytest.raises(UnsafeSvg):
        sanitize(b"<svg><unclosed></svg>")
