"""aem-sim: AEM's side of a job on Azurite (and moto), with a stand-in worker that PUTs the parts."""

from __future__ import annotations

import json
import math
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import run_command
from imgworker.commands import aem_sim as command
from imgworker.config import Settings
from imgworker.storage import LocalFolderStore
from imgworker.storage.aem_sim import build_request, prepare, rendition_key, upload_source, verify
from imgworker.storage.azure import AzureBlobStore
from imgworker.storage.multipart import commit_multipart
from plugins.services import AzuriteService, MotoS3Service
from storage.contract import http_get, http_put

pytestmark = pytest.mark.azurite


def main(argv: list[str]) -> int:
    """Run ``imgworker {argv}`` through this command's own ``register`` (as imgworker.cli does)."""
    return run_command(command, argv)


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of width x height px."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, an APP0 and a SOF0 segment: enough for sniffing."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def upload_like_asset_compute(target: dict[str, Any] | str, data: bytes, *, azure: bool) -> list[int]:
    """The worker's part: A21 part sizing, PUT each part to its URL in order; returns the statuses."""
    if isinstance(target, str):
        headers = {"x-ms-blob-type": "BlockBlob"} if azure else {}
        return [http_put(target, data, headers).status_code]
    urls = target["urls"]
    part = max(math.ceil(len(data) / len(urls)), target["minPartSize"])
    assert part <= target["maxPartSize"], "RenditionTooLarge"
    statuses = []
    for i, url in enumerate(urls[: math.ceil(len(data) / part)]):
        status = http_put(url, data[i * part : (i + 1) * part]).status_code
        statuses.append(status)
        if status >= 300:
            break  # terminal: no more parts, no commit
    return statuses


@pytest.fixture
def source_file(tmp_path: Path) -> Path:
    path = tmp_path / "Daniel_Müller #1 [x] 你好.png"
    path.write_bytes(png(64, 48))
    return path


@pytest.fixture
def renditions_store(azurite: AzuriteService) -> AzureBlobStore:
    return azurite.store("renditions")


def test_prepare_builds_an_asset_compute_request(
    azurite: AzuriteService, renditions_store: AzureBlobStore, source_file: Path
) -> None:
    source = azurite.store("source")
    request = prepare(
        source,
        renditions_store,
        source_file,
        [{"name": "thumb.jpg", "fmt": "jpg", "imgix": {"w": 32}}, {"name": "wide.png", "fmt": "png"}],
        part_count=4,
        min_part_size=100,
        max_part_size=10_000,
    )
    assert request["requestId"].startswith("aem-sim-")
    src = request["source"]
    assert (src["name"], src["size"], src["mimetype"]) == (source_file.name, source_file.stat().st_size, "image/png")
    assert source.get(source_file.name) == source_file.read_bytes()  # stored under its own UTF-8 name (A19)
    assert http_get(src["url"]).content == source_file.read_bytes()
    first = request["renditions"][0]
    assert first["imgix"] == {"w": 32}
    assert first["userData"]["path"] == rendition_key(source_file.name, request["requestId"], 0, "thumb.jpg")
    assert first["target"]["minPartSize"] == 100 and first["target"]["maxPartSize"] == 10_000
    assert len(first["target"]["urls"]) == 4
    assert all("comp=block&blockid=" in u for u in first["target"]["urls"])
    assert request["userData"]["aemSim"]["renditionStore"] == "azure://renditions"
    json.dumps(request)  # serialisable


def test_full_job_round_trip_on_azurite(
    azurite: AzuriteService, renditions_store: AzureBlobStore, source_file: Path
) -> None:
    source = azurite.store("source")
    request = prepare(
        source,
        renditions_store,
        source_file,
        [{"name": "a.png", "fmt": "png"}, {"name": "b.jpg", "fmt": "jpg"}],
        part_count=5,
        min_part_size=64,
        max_part_size=1 << 20,
    )
    outputs = {"a.png": png(40, 30), "b.jpg": jpeg_header(20, 10) + b"\x00" * 300}
    for rendition in request["renditions"]:
        statuses = upload_like_asset_compute(rendition["target"], outputs[rendition["name"]], azure=True)
        assert statuses and set(statuses) == {201}
        assert not renditions_store.exists(rendition["userData"]["path"])  # invisible until committed
    checks = verify(request, renditions_store)
    assert [(c.name, c.ok, c.format, c.width, c.height) for c in checks] == [
        ("a.png", True, "png", 40, 30),
        ("b.jpg", True, "jpeg", 20, 10),
    ]
    assert checks[0].data == outputs["a.png"]
    assert renditions_store.stat(checks[1].key).content_type == "image/jpeg"
    assert verify(request, renditions_store)[0].ok  # completing twice is harmless


def test_worker_commit_then_verify(
    azurite: AzuriteService, renditions_store: AzureBlobStore, source_file: Path
) -> None:
    request = prepare(azurite.store("source"), renditions_store, source_file, [{"name": "c.png"}], min_part_size=50)
    target = request["renditions"][0]["target"]
    data = png(10, 10)
    statuses = upload_like_asset_compute(target, data, azure=True)
    assert commit_multipart(target, len(statuses), content_type="image/png")
    assert verify(request, renditions_store)[0].ok


def test_failed_renditions_leave_nothing(
    azurite: AzuriteService, renditions_store: AzureBlobStore, source_file: Path
) -> None:
    source = azurite.store("source")
    info = upload_source(source, source_file)
    expired = build_request(source, info.key, [{"name": "expired.png"}], renditions_store, expires_in=-60)
    target = expired["renditions"][0]["target"]
    assert upload_like_asset_compute(target, png(8, 8), azure=True) == [403]  # terminal: one attempt
    midway = build_request(
        source, info.key, [{"name": "midway.png"}], renditions_store, part_count=3, min_part_size=100
    )
    first_url = midway["renditions"][0]["target"]["urls"][0]
    assert http_put(first_url, b"x" * 100).status_code == 201  # then the worker dies
    for request, name in ((expired, "expired.png"), (midway, "midway.png")):
        [check] = verify(request, renditions_store, expect_failed=[name])
        assert check.ok and check.expected_failure
        prefix = request["renditions"][0]["userData"]["path"].rsplit("/", 2)[0]
        assert list(renditions_store.list(prefix)) == []


def test_verify_reports_problems(azurite: AzuriteService, renditions_store: AzureBlobStore, source_file: Path) -> None:
    request = prepare(
        azurite.store("source"),
        renditions_store,
        source_file,
        [{"name": "missing.png"}, {"name": "wrong.jpg", "fmt": "jpg"}, {"name": "junk.png"}],
        min_part_size=10,
    )
    by_name = {r["name"]: r for r in request["renditions"]}
    upload_like_asset_compute(by_name["wrong.jpg"]["target"], png(4, 4), azure=True)
    upload_like_asset_compute(by_name["junk.png"]["target"], b"junk" * 10, azure=True)
    problems = {c.name: c.problem for c in verify(request, renditions_store)}
    assert problems == {
        "missing.png": "not uploaded",
        "wrong.jpg": "format is png, expected jpeg",
        "junk.png": "not a recognised image",
    }


def test_single_put_targets(azurite: AzuriteService, renditions_store: AzureBlobStore, source_file: Path) -> None:
    request = prepare(azurite.store("source"), renditions_store, source_file, [{"name": "s.png"}], single_put=True)
    target = request["renditions"][0]["target"]
    assert isinstance(target, str)
    assert upload_like_asset_compute(target, png(5, 5), azure=True) == [201]
    assert verify(request, renditions_store)[0].ok


def test_works_with_s3_and_local(moto_s3: MotoS3Service, tmp_path: Path, source_file: Path) -> None:
    source = LocalFolderStore(tmp_path / "aem")
    renditions = moto_s3.store("renditions")
    request = prepare(source, renditions, source_file, [{"name": "s3.png"}])
    assert request["source"]["url"].startswith("file://")
    statuses = upload_like_asset_compute(request["renditions"][0]["target"], png(7, 3), azure=False)
    assert statuses == [200]
    [check] = verify(request, renditions)
    assert (check.ok, check.width, check.height) == (True, 7, 3)


# -- the command ----------------------------------------------------------------------------------


def test_cli_prepare_and_verify(
    azurite: AzuriteService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source_file: Path
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    out = tmp_path / "request.json"
    code = main(
        [
            "aem-sim",
            "prepare",
            str(source_file),
            "-r",
            'ok.png={"w": 10}',
            "-r",
            "failed.jpg",
            "--min-part-size",
            "32",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    request = json.loads(out.read_text(encoding="utf-8"))
    ok, failed = request["renditions"]
    assert (ok["name"], ok["fmt"], ok["imgix"]) == ("ok.png", "png", {"w": 10})
    assert failed["fmt"] == "jpg" and "imgix" not in failed
    assert httpx.get(request["source"]["url"]).status_code == 200
    upload_like_asset_compute(ok["target"], png(10, 8), azure=True)
    assert main(["aem-sim", "verify", str(out)]) == 1  # failed.jpg was not produced
    assert main(["aem-sim", "verify", str(out), "--expect-failed", "failed.jpg", "--json"]) == 0


def test_cli_prepare_reports_store_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    stores = ["--source-store", str(tmp_path / "s"), "--rendition-store", str(tmp_path / "r")]
    code = main(["aem-sim", "prepare", str(tmp_path / "missing.png"), *stores])
    assert code == 1
    assert "missing.png" in capsys.readouterr().err
