"""download: https/http/data/test-mode sources, Range parts, retries, timeouts, errors."""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import replace
from pathlib import Path

import pytest

from imgworker.asset_compute.config import AssetComputeConfig
from imgworker.asset_compute.download import download
from imgworker.asset_compute.errors import GenericError, SourceUnsupportedError
from imgworker.asset_compute.params import SourceSpec
from imgworker.asset_compute.source import Source, make_source
from imgworker.asset_compute.transport import make_client
from plugins.asset_compute import Recorder


def fetch(source: Source, config: AssetComputeConfig) -> None:
    async def go() -> None:
        async with make_client(config) as client:
            await download(source, client, config, "myworker")

    asyncio.run(go())


def src(url: str, tmp_path: Path, **kw: object) -> Source:
    return make_source(SourceSpec.model_validate({"url": url, **kw}), tmp_path / "in")


def test_parallel_ranges_when_the_size_is_known(
    recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path
) -> None:
    data = random.Random(5).randbytes(1_000_003)
    recorder.add_source("b.bin", data)
    config = replace(ac_config, preferred_part_size=256 * 1024, max_concurrent_parts=3)
    source = src(recorder.url("/src-range/b.bin"), tmp_path, size=len(data), headers={"x-h": "1"})
    fetch(source, config)
    assert source.path.read_bytes() == data and source.size == len(data)
    ranges = sorted(r.headers["range"] for r in recorder.find("GET"))
    assert ranges == sorted(f"bytes={lo}-{min(lo + 262144, len(data)) - 1}" for lo in range(0, len(data), 262144))
    assert all(r.headers["x-h"] == "1" for r in recorder.find("GET"))


def test_range_ignored_falls_back_to_one_stream(
    recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path
) -> None:
    data = random.Random(6).randbytes(600_000)
    recorder.add_source("b.bin", data)
    config = replace(ac_config, preferred_part_size=256 * 1024)
    source = src(recorder.url("/src/b.bin"), tmp_path, size=len(data))
    fetch(source, config)
    assert hashlib.sha1(source.path.read_bytes()).digest() == hashlib.sha1(data).digest()
    assert "range" not in recorder.find("GET")[-1].headers


def test_http_is_a_config_choice(http_recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    http_recorder.add_source("a.txt", b"plain http")
    source = src(http_recorder.url("/src/a.txt"), tmp_path)
    fetch(source, replace(ac_config, allow_http=True))
    assert source.path.read_bytes() == b"plain http"


def test_errors(recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    recorder.respond("GET", "/src/forbidden", 403)
    with pytest.raises(GenericError, match="failed with status 403") as info:
        fetch(src(recorder.url("/src/forbidden?sig=s"), tmp_path), ac_config)
    assert info.value.location == "myworker_download" and "sig=s" not in str(info.value)
    assert len(recorder.find("GET")) == 1

    recorder.respond("GET", "/src/down", 502, repeat=True)
    with pytest.raises(GenericError, match="status 502"):
        fetch(src(recorder.url("/src/down"), tmp_path), replace(ac_config, retry_budget=0.6))
    assert len(recorder.find("GET", "/src/down")) >= 2

    recorder.respond("GET", "/src/down2", 502, repeat=True)
    fetch_once = replace(ac_config, disable_retries=True)
    with pytest.raises(GenericError):
        fetch(src(recorder.url("/src/down2"), tmp_path), fetch_once)
    assert len(recorder.find("GET", "/src/down2")) == 1


def test_read_timeout_is_retried_then_fails(recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    recorder.respond("GET", "/src/slow", 200, repeat=True, delay=0.6)
    config = replace(ac_config, read_timeout=0.2, retry_budget=1.0)
    with pytest.raises(GenericError, match=r"Timeout|timed out"):
        fetch(src(recorder.url("/src/slow"), tmp_path), config)
    assert len(recorder.find("GET", "/src/slow")) >= 2


def test_data_uri_and_test_mode(ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    source = src("data:text/plain;base64,aGVsbG8=", tmp_path)
    fetch(source, ac_config)
    assert source.path.read_bytes() == b"hello" and source.name == "source"
    with pytest.raises(SourceUnsupportedError, match="Invalid or missing local file"):
        fetch(src("data:text/plain;base64,", tmp_path), ac_config)

    cases = tmp_path / "case"
    cases.mkdir()
    (cases / "file.jpg").write_bytes(b"jpeg?")
    config = replace(ac_config, test_mode=True, test_in_dir=cases)
    test_source = make_source(SourceSpec(url="file.jpg"), tmp_path / "in2", test_mode=True)
    fetch(test_source, config)
    assert test_source.path.read_bytes() == b"jpeg?" and test_source.name == "file.jpg"
    with pytest.raises(GenericError, match="not found"):
        fetch(make_source(SourceSpec(url="nope.jpg"), tmp_path / "in3", test_mode=True), config)
