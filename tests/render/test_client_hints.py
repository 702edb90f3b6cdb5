"""Client hints (``ch``): Width, DPR and Save-Data headers, over HTTP (imgix ``ch`` page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from helpers import EXAMPLES, size_of
from imgworker.render.client_hints import apply_client_hints
from imgworker.render.params import parse_query
from imgworker.render.server import RendererConfig, create_app
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    store = LocalFolderStore(tmp_path)
    store.put("c.png", (EXAMPLES / "chelsea.png").read_bytes())  # 451x300
    return TestClient(create_app(RendererConfig(origin=Origin(store), token=None)))


def test_width_and_dpr_headers_replace_w_and_dpr(client: TestClient) -> None:
    plain = client.get("/c.png?w=100&ch=width,dpr")
    assert size_of(plain.content) == (100, 67)  # no hint headers: the URL's values
    hinted = client.get("/c.png?w=100&ch=width,dpr", headers={"Width": "200", "DPR": "2"})
    assert size_of(hinted.content) == (400, 266)
    assert hinted.headers["vary"] == "Width, DPR" and hinted.headers["accept-ch"] == "Width, DPR"
    assert hinted.headers["etag"] != plain.headers["etag"]


def test_hints_are_opt_in(client: TestClient) -> None:
    r = client.get("/c.png?w=100", headers={"Width": "300", "DPR": "3"})
    assert size_of(r.content) == (100, 67) and "vary" not in r.headers


def test_save_data_forces_q45() -> None:
    hinted = apply_client_hints(parse_query("q=90&ch=save-data"), {"Save-Data": "on"})
    assert hinted.params.get("q") == 45 and hinted.vary == ("Save-Data",)
    assert apply_client_hints(parse_query("q=90&ch=save-data"), {}).params.get("q") == 90


def test_bad_hint_values_change_nothing() -> None:
    hinted = apply_client_hints(parse_query("w=100&ch=width,dpr"), {"Width": "-5", "DPR": "nan"})
    assert hinted.params.get("w") == 100 and not hinted.params.has("dpr")


def test_invalid_utf8_path_is_400(client: TestClient) -> None:
    assert client.get("/%FF%FE.png?w=10").status_code == 400
