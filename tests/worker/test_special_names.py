"""Field case A19: special characters in blob names, signed URLs and staging.

Every name is a byte copy of one photo, stored under its own name as the blob key; the imgix library
encodes the path, the renderer verifies the signature on the raw path and decodes it once. Pass:
every render is 200 and identical (same bytes) to the render of ``plain.jpg``.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import httpx
import pytest

from helpers import fixture
from imgworker.render.embedded import EmbeddedRenderer
from imgworker.render.server import RendererConfig
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore
from imgworker.worker.config import WorkerConfig
from imgworker.worker.job import run_job
from imgworker.worker.signing import build_url

NAMES = ["plain.jpg", "image with spaces.jpg", "a+b.jpg", "100%.jpg", "#1 [x].jpg", "Daniel_Müller-Jan.jpg",
         "你好.jpg", unicodedata.normalize("NFD", "é.jpg"), "dir/sub dir/q?x=1&y.jpg"]  # fmt: skip
TOKEN = "a19-token"


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedRenderer:
    root = tmp_path_factory.mktemp("a19")
    store = LocalFolderStore(root)
    photo = fixture("orientation/Landscape_1.jpg").read_bytes()
    for name in NAMES:
        store.put(name, photo)
    with EmbeddedRenderer(RendererConfig(origin=Origin(store), token=TOKEN)) as server:
        yield server


@pytest.mark.parametrize("name", NAMES)
def test_every_name_renders_identically(renderer: EmbeddedRenderer, name: str) -> None:
    params = {"w": "200", "fm": "png"}
    with httpx.Client() as client:
        ref = client.get(build_url(renderer.base_url, "plain.jpg", params, TOKEN))
        got = client.get(build_url(renderer.base_url, name, params, TOKEN))
    assert ref.status_code == 200
    assert got.status_code == 200, (name, got.text)
    assert got.content == ref.content


def test_worker_runs_sources_with_special_names(tmp_path: Path) -> None:
    photo = fixture("orientation/Landscape_1.jpg")
    outputs = []
    for i, name in enumerate(["plain.jpg", "100% #1 [x] a+b.jpg", unicodedata.normalize("NFD", "é 你好.jpg")]):
        src = tmp_path / "src" / name
        src.parent.mkdir(exist_ok=True)
        shutil.copy(photo, src)
        target = tmp_path / "out" / f"{i}.png"
        report = run_job({"source": str(src), "renditions": [{"name": "r.png", "imgix": {"w": 120, "fm": "png"},
                                                               "target": str(target)}]},
                         WorkerConfig(staging_store=str(tmp_path / "staging")))  # fmt: skip
        assert report.failed == 0, report.events
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
