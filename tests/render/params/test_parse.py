"""Query parsing (spec section 2.1): aliases, base64 variants, repeated auto, fallbacks, errors."""

from __future__ import annotations

import pytest

from imgworker.render.errors import BadRequest
from imgworker.render.params import BY_NAME, Color, parse_query
from imgworker.render.params.table import PARAMETERS

BASE64 = [
    ("Hello, World!", "SGVsbG8sIFdvcmxkIQ"),
    ("this/seems… pretty sketchy! 😁", "dGhpcy9zZWVtc-KApiBwcmV0dHkgc2tldGNoeSEg8J-YgQ"),
    ("https://assets.imgix.net/logo.png", "aHR0cHM6Ly9hc3NldHMuaW1naXgubmV0L2xvZ28ucG5n"),
    ("lorem ipsum", "bG9yZW0gaXBzdW0"),
    ("I cannøt belîév∑ it wor\uf8ffs! 😱", "SSBjYW5uw7h0IGJlbMOuw6l24oiRIGl0IHdvcu-jv3MhIPCfmLE"),
]


def test_table_has_all_179_parameters_with_unique_aliases() -> None:
    assert len(PARAMETERS) == 179
    aliases = [a for p in PARAMETERS for a in p.aliases if a != p.name]  # the schema lists one self-alias
    assert len(aliases) == len(set(aliases))
    assert not set(aliases) & set(BY_NAME)


@pytest.mark.parametrize(("plain", "encoded"), BASE64)
def test_base64_variants_decode(plain: str, encoded: str) -> None:
    assert parse_query(f"txt64={encoded}").values["txt"] == plain


def test_bad_base64_is_400() -> None:
    with pytest.raises(BadRequest, match="txt64"):
        parse_query("txt64=%FF%FE")


def test_aliases_map_to_canonical_names() -> None:
    p = parse_query("width=300&height=200&f=crop&markalign=top,left&txtclr=f00")
    assert p.values["w"] == 300 and p.values["h"] == 200 and p.values["fit"] == "crop"
    assert p.values["mark-align"] == ("top", "left")
    assert p.values["txt-color"] == Color(255, 0, 0)


def test_w_and_h_are_pixels_or_ratios() -> None:
    p = parse_query("w=300&h=0.5")
    assert p.values["w"] == 300 and isinstance(p.values["w"], int)
    assert p.values["h"] == 0.5 and isinstance(p.values["h"], float)
    assert parse_query("w=1").values["w"] == 1.0  # 1 means 100%


@pytest.mark.parametrize("bad", ["-100", "abc", "0", "300.5px"])
def test_invalid_w_is_a_400_naming_w(bad: str) -> None:
    with pytest.raises(BadRequest, match="`w`"):
        parse_query(f"w={bad}")


def test_auto_repeats_merge_and_other_keys_last_wins() -> None:
    p = parse_query("auto=compress&auto=format&q=10&q=80")
    assert p.auto == {"compress", "format"}
    assert p.values["q"] == 80


def test_invalid_value_falls_back_and_is_reported() -> None:
    p = parse_query("fit=bogus&q=abc&flip=x")
    assert p.get("fit") == "clip" and p.get("q") == 75
    assert set(p.invalid) == {"fit", "q", "flip"}
    assert "Expected" in p.invalid["q"] and "`q`" in p.invalid["q"]


def test_suggested_range_clamps() -> None:
    assert parse_query("sat=-150").values["sat"] == -100
    assert parse_query("dpr=9").values["dpr"] == 5  # spec 5.3: dpr above 5 is clamped to 5
    assert parse_query("w=9000").values["w"] == 9000  # no error: outputs are capped at 8192 (A28)


def test_unknown_keys_are_ignored_but_listed() -> None:
    p = parse_query("ixlib=python-4.0.0&foo=bar&w=10&s=0123456789abcdef0123456789abcdef")
    assert p.unknown == ("ixlib", "foo")
    assert set(p.values) == {"w"}


@pytest.mark.parametrize(
    ("text", "colour"),
    [("f00", Color(255, 0, 0)), ("0FFF", Color(255, 255, 255, 0)), ("80ff0000", Color(255, 0, 0, 128)),
     ("00ff00", Color(0, 255, 0)), ("red", Color(255, 0, 0)), ("transparent", Color(0, 0, 0, 0))],
)  # fmt: skip
def test_colours_are_argb_hex_or_keywords(text: str, colour: Color) -> None:
    assert parse_query(f"bg={text}").values["bg"] == colour


def test_rect_accepts_pixels_ratios_keywords_and_full() -> None:
    assert parse_query("rect=10,20,300,0.5").values["rect"] == (10, 20, 300, 0.5)
    assert parse_query("rect=center,middle,full,100").values["rect"] == ("center", "middle", "full", 100)
    assert "rect" in parse_query("rect=1,2,3").invalid
