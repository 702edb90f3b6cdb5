"""Odd but valid inputs and parameters never become a 500 (field cases A12/A29 "never 5xx")."""

from __future__ import annotations

import pytest

from helpers import fixture
from imgworker.render.errors import BadRequest
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

ONE = fixture("one.png").read_bytes()  # 1x1 grey
PHOTO = fixture("rocket.jpg").read_bytes()


@pytest.mark.parametrize(
    ("query", "ctype"),
    [
        ("fit=facearea&w=10&h=10", "image/png"),
        ("fit=crop&crop=faces&w=10&h=10", "image/png"),
        ("faces=1&fm=json", "application/json"),
        ("palette=json", "application/json"),
        ("palette=css", "text/css; charset=utf-8"),
    ],
)
def test_a_1x1_grey_image_renders(query: str, ctype: str) -> None:
    assert render(ONE, parse_query(query)).content_type == ctype


def test_palette_css_prefix_cannot_inject_markup() -> None:
    css = render(ONE, parse_query("palette=css&prefix=%3C/style%3E%3Cscript%3Ealert(1)")).data.decode()
    assert "<" not in css and ">" not in css and ".stylescriptalert1-fg-1" in css


@pytest.mark.parametrize("query", ["txt=hi&txt-size=100000", "txt=" + "W" * 3000 + "&txt-size=200"])
def test_text_too_big_to_draw_is_a_400_naming_txt(query: str) -> None:
    with pytest.raises(BadRequest, match="`txt`"):
        render(PHOTO, parse_query(query))
