"""upload: the part-size rule (spec section 4), single PUT and multipart transfers, error mapping."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from imgworker.asset_compute.config import MIB, AssetComputeConfig
from imgworker.asset_compute.errors import GenericError, RenditionTooLarge
from imgworker.asset_compute.rendition import Rendition
from imgworker.asset_compute.transport import make_client
from imgworker.asset_compute.upload import CapacityExceeded, PartSizeError, part_size, upload
from plugins.asset_compute import Recorder


@pytest.mark.parametrize(
    ("size", "urls", "max_part", "min_part", "expected"),
    [  # the reference's observed splits for 25 MiB (spec section 4)
        (25 * MIB, 3, 10 * MIB, 10 * MIB, 10 * MIB),
        (25 * MIB, 3, 100 * MIB, MIB, 100 * MIB),  # one 25 MiB part
        (25 * MIB, 8, 5 * MIB, MIB, 5 * MIB),
        (150_000_000, 3, 100 * MIB, None, 100 * MIB),
        (150_000_000, 3, 200 * MIB, None, 100 * MIB),
        (10, 4, 3, None, 3),
    ],
)
def test_part_size(size: int, urls: int, max_part: int, min_part: int | None, expected: int) -> None:
    # the reference's stretching to a preferred 100 MiB (HTTP_TRANSFER_PREFERRED_PART_SIZE set)
    assert part_size(size, urls, max_part, min_part, preferred=100 * MIB) == expected


def test_default_part_size_spreads_over_the_urls() -> None:
    # deviation: without a preferred size the parts use the URLs given (field case A21)
    assert part_size(25 * MIB, 3, 100 * MIB, MIB) == -(-25 * MIB // 3)
    assert part_size(300 * 1024, 5, 1024 * 1024, 10240) == 61440


def test_min_part_size_is_honoured() -> None:
    # deviation 7: the reference ignored minPartSize; with a small preferred size it now sets the floor
    assert part_size(10_000, 10, 5000, None, preferred=1) == 1000
    assert part_size(10_000, 10, 5000, 3000, preferred=1) == 3000


def test_part_size_errors() -> None:
    with pytest.raises(CapacityExceeded):
        part_size(25 * MIB, 2, 10 * MIB, MIB)
    with pytest.raises(PartSizeError, match=r"'target\.maxPartSize' must be a positive number: undefined"):
        part_size(10, 1, None)
    for bad in (0, -1, "5", True):
        with pytest.raises(PartSizeError, match="maxPartSize"):
            part_size(10, 1, bad)
    with pytest.raises(PartSizeError, match="minPartSize"):
        part_size(10, 1, 5, 6)
    with pytest.raises(PartSizeError, match="urls"):
        part_size(10, 0, 5)


def put(rendition: Rendition, config: AssetComputeConfig) -> None:
    async def go() -> None:
        async with make_client(config) as client:
            await upload(rendition, client, config, "myworker")

    asyncio.run(go())


def rendition(tmp_path: Path, target: Any, data: bytes, fmt: str = "bin") -> Rendition:
    r = Rendition({"fmt": fmt, "target": target}, tmp_path, 0)
    r.path.write_bytes(data)
    return r


def test_single_put_headers(recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    put(rendition(tmp_path, recorder.url("/put/a.txt"), b"hello world", "txt"), ac_config)
    [req] = recorder.find("PUT")
    assert (req.headers["content-length"], req.headers["content-type"], req.body) == (
        "11",
        "text/plain; charset=us-ascii",
        b"hello world",
    )
    assert "transfer-encoding" not in req.headers


def test_multipart_headers_and_unused_urls(recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    target = {
        "urls": [recorder.url(f"/put/p{k}") for k in range(6)],
        "maxPartSize": 4000,
        "multipartHeaders": {"x-ms-blob-type": "BlockBlob"},
    }
    config = replace(ac_config, upload_preferred_part_size=100 * MIB)  # the reference's stretching
    put(rendition(tmp_path, target, data), config)  # part = min(max(100 MiB, 1707), 4000): p3..p5 unused
    reqs = sorted(recorder.find("PUT"), key=lambda r: r.path)
    assert [(r.path, r.length) for r in reqs] == [("/put/p0", 4000), ("/put/p1", 4000), ("/put/p2", 2240)]
    assert b"".join(r.body or b"" for r in reqs) == data
    assert all(r.headers["x-ms-blob-type"] == "BlockBlob" for r in reqs)


@pytest.mark.parametrize(
    ("prefix", "status", "cls", "attempts"),
    [
        ("/put-413/", 413, RenditionTooLarge, 1),
        ("/put-401/", 401, GenericError, 1),
        ("/put-403/", 403, GenericError, 1),
        ("/put-500/", 500, GenericError, 2),
    ],
)
def test_statuses(
    recorder: Recorder,
    ac_config: AssetComputeConfig,
    tmp_path: Path,
    prefix: str,
    status: int,
    cls: type[Exception],
    attempts: int,
) -> None:
    recorder.respond("PUT", prefix, status, repeat=True)
    with pytest.raises(cls) as info:
        put(rendition(tmp_path, recorder.url(prefix + "x"), b"abc"), replace(ac_config, retry_budget=0.6))
    assert len(recorder.find("PUT")) >= attempts
    if status != 500:
        assert len(recorder.find("PUT")) == 1
    if cls is RenditionTooLarge:
        assert str(info.value) == "rendition size of 3 for rendition0.bin is too large"


def test_empty_and_missing_target(ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    with pytest.raises(GenericError, match="File cannot be uploaded: Empty file"):
        put(rendition(tmp_path, "https://127.0.0.1:1/x", b""), ac_config)
    with pytest.raises(GenericError, match="no target"):
        put(rendition(tmp_path, None, b"x"), ac_config)
    with pytest.raises(RenditionTooLarge):
        put(rendition(tmp_path, {"urls": ["https://127.0.0.1:1/x"], "maxPartSize": 1}, b"xy"), ac_config)


def test_429_and_408_are_retried(recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path) -> None:
    recorder.respond("PUT", "/put/busy", 429, 408)
    put(rendition(tmp_path, recorder.url("/put/busy"), b"abc"), ac_config)
    assert [r.status for r in recorder.find("PUT")] == [429, 408, 201]


def test_single_put_above_100_mib_is_streamed(
    http_recorder: Recorder, ac_config: AssetComputeConfig, tmp_path: Path
) -> None:
    import hashlib

    size = 101 * MIB  # the reference failed above 100 MiB ("'contentRange.length' too large")
    r = Rendition({"fmt": "bin", "target": http_recorder.url("/put/big.bin")}, tmp_path, 0)
    digest = hashlib.sha1()
    with r.path.open("wb") as fh:
        block = bytes(range(256)) * 4096
        for _ in range(size // len(block)):
            fh.write(block)
            digest.update(block)
    put(r, replace(ac_config, allow_http=True))
    [req] = http_recorder.find("PUT")
    assert (req.length, req.sha1) == (size, digest.hexdigest())
