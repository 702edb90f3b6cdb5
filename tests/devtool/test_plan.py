"""The plan view and the parameter table of the devtool API."""

from __future__ import annotations

from imgworker.devtool.plan import params_table, plan, split_url
from imgworker.render.params.coverage import IMPLEMENTED
from imgworker.render.params.signing import sign


def test_params_table_rows() -> None:
    rows = {r["name"]: r for r in params_table()}
    assert len(rows) >= 170
    w = rows["w"]
    assert (w["category"], w["aliases"], w["implemented"]) == ("size", ["width"], True)
    assert w["type"].startswith("integer") and w["doc"].endswith("/size")
    assert rows["q"]["default"] == "75"
    assert {n for n, r in rows.items() if r["implemented"]} == set(IMPLEMENTED)


def test_split_url() -> None:
    assert split_url("http://127.0.0.1:8000/render/a%20b.png?w=1") == ("/a%20b.png", "w=1")
    assert split_url("/render/x.jpg") == ("/x.jpg", "")
    assert split_url("https://demo.imgix.net/x.jpg?h=2") == ("/x.jpg", "h=2")
    assert split_url("?w=3&h=4") == (None, "w=3&h=4")


def test_plan_sorts_parameters() -> None:
    out = plan(query="w=300&fit=crop&q=abc&auto=format,compress&upscale=true&txt64=aGVsbG8&foo=bar")
    given = ["w", "fit", "auto", "upscale", "txt"]  # upscale is tier X: never implemented
    assert [u["name"] for u in out["used"]] == [n for n in given if n in IMPLEMENTED]
    assert [u["name"] for u in out["unimplemented"]] == [n for n in given if n not in IMPLEMENTED]
    assert out["used"][2]["parsed"] == ["format", "compress"]
    assert [u["value"] for u in out["used"] + out["unimplemented"] if u["name"] == "txt"] == ["hello"]
    (fallback,) = out["fallback"]
    assert fallback["name"] == "q" and fallback["default"] == 75 and "`q`" in fallback["reason"]
    assert out["unknown"] == ["foo"] and out["passthrough"] is False and out["error"] is None


def test_plan_signature_and_errors() -> None:
    s = sign("tok", "/a.png", "w=10")
    assert plan(url=f"/render/a.png?w=10&s={s}", token="tok")["signature"] == "valid"
    assert plan(url=f"/render/a.png?w=11&s={s}", token="tok")["signature"] == "invalid"
    assert plan(url="/render/a.png?w=10", token="tok")["signature"] == "missing"
    assert plan(url=f"/render/a.png?w=10&s={s}", token=None)["signature"] == "unchecked"
    assert plan(url="/render/a.png")["passthrough"] is True
    assert "`w`" in plan(query="w=0")["error"]
    assert plan(query="bg=zzz")["fallback"][0]["name"] == "bg"
