"""Targets in Azure (Azurite) that can never be written: a missing container, a refused SAS URL, an
invalid container name. Each fails its rendition at once, with a message naming the cause, instead
of being retried for a minute; the attempt counts in messages are the ones made."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from imgworker.batch.jobs import Job, RenditionJob
from imgworker.batch.ledger import MemoryLedger
from imgworker.batch.manifest import ManifestError, scan
from imgworker.batch.profiles import Profile, RenditionSpec
from imgworker.batch.work import Attempt, RenderContext, process_job
from imgworker.cli import main as cli
from imgworker.worker.config import WorkerConfig
from plugins.services import AzuriteService, MotoS3Service

from .conftest import FlakyTarget, read_jsonl, write_manifest

pytestmark = pytest.mark.azurite


@pytest.fixture(autouse=True)
def _azurite_env(azurite: AzuriteService, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in azurite.env().items():
        monkeypatch.setenv(name, value)
    for name in ("IMGIX_DOMAIN", "IMGIX_SECURE_TOKEN", "IMGIX_STORAGE_ACCOUNT", "IMGIX_STORAGE_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenderContext]:
    context = RenderContext.open(WorkerConfig(staging_store=str(tmp_path_factory.mktemp("staging"))))
    yield context
    context.close()


def missing_container() -> str:
    return f"missing-{uuid.uuid4().hex[:12]}"


def job_to(source: Path, target: str) -> Job:
    return Job.create(str(source), "p", (RenditionJob("r.jpg", (("w", "40"),), None, target),))


def test_a_store_target_in_a_missing_container_fails_at_once(ctx: RenderContext, photos: list[Path]) -> None:
    container = missing_container()
    outcome = process_job(
        job_to(photos[0], f"azure://{container}/r/x.jpg"), ctx, MemoryLedger(), Attempt(1, final=False)
    )
    assert not outcome.retry, "a missing container is permanent: no retry"
    (record,) = outcome.records
    assert (record["status"], record["reason"], record["attempts"]) == ("failed", "GenericError", 1)
    assert record["message"].startswith(f"cannot write the target (404): azure://{container}: container {container!r}")
    assert "does not exist" in record["message"]
    assert [e["type"] for e in outcome.events] == ["rendition_failed"]


def test_presigned_azure_targets_refused_with_4xx_fail_at_once_naming_the_error_code(
    ctx: RenderContext, photos: list[Path], azurite: AzuriteService
) -> None:
    missing = azurite.store(missing_container(), create=False).presigned_write_url("x.jpg")
    outcome = process_job(job_to(photos[1], missing), ctx, MemoryLedger(), Attempt(1, final=False))
    assert not outcome.retry
    assert outcome.records[0]["message"] == (
        "target refused the upload (404 ContainerNotFound: the container does not exist)"
    )
    bad_signature = azurite.store("batch-sas").presigned_write_url("x.jpg").replace("sig=", "sig=AAAA")
    outcome = process_job(job_to(photos[2], bad_signature), ctx, MemoryLedger(), Attempt(1, final=False))
    assert not outcome.retry
    assert outcome.records[0]["message"] == "target refused the upload (403 AuthorizationFailure)"


def test_staging_into_a_missing_container_fails_at_once(photos: list[Path], tmp_path: Path) -> None:
    context = RenderContext.open(WorkerConfig(staging_store=f"azure://{missing_container()}"))
    try:
        job = job_to(photos[3], str(tmp_path / "x.jpg"))
        outcome = process_job(job, context, MemoryLedger(), Attempt(1, final=False))
    finally:
        context.close()
    assert not outcome.retry
    assert outcome.records[0]["message"].startswith("cannot stage the source (404): ")
    assert not (tmp_path / "x.jpg").exists()


def test_the_local_pool_fails_a_missing_container_once_with_an_accurate_count(
    photos: list[Path], flaky_target: FlakyTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMGWORKER_STAGING_STORE", str(tmp_path / "staging"))
    monkeypatch.setenv("IMGWORKER_RETRY_BACKOFF", "0.05")
    monkeypatch.setenv("IMGWORKER_MAX_RETRIES", "2")
    container = missing_container()
    profiles = tmp_path / "p.toml"
    profiles.write_text(
        f'[store]\ntarget = "azure://{container}/{{stem}}/{{name}}"\n'
        'renditions = [{ name = "r.jpg", imgix = { w = 40 } }]\n'
        f'[down]\ntarget = "{flaky_target.base_url}/down/{{stem}}/{{name}}"\n'
        'renditions = [{ name = "r.jpg", imgix = { w = 40 } }]\n'
    )
    flaky_target.status_for = lambda path: 503  # type: ignore[method-assign]
    manifest = write_manifest(tmp_path / "m.csv", [(str(photos[4]), "store"), (str(photos[4]), "down")])
    start = time.monotonic()
    code = cli(["batch", str(manifest), "--profiles", str(profiles), "--workers", "1", "--no-progress"])
    assert code == 1 and time.monotonic() - start < 60
    store, down = sorted(read_jsonl(manifest.with_suffix(".results.jsonl")), key=lambda r: r["profile"] != "store")
    assert store["attempts"] == 1 and "does not exist" in store["message"]
    assert down["attempts"] == 3 and down["message"] == "upload answered 503 (gave up after 3 attempts)"
    assert len(flaky_target.puts[f"/down/{photos[4].stem}/r.jpg"]) == 3


WEB = Profile("web", (RenditionSpec("a.jpg", (("w", "10"),)),))


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("azure://Renditions/{name}", r"target 'azure://Renditions/a.jpg': Expected 3-63 lowercase letters"),
        ("azure://my_renditions/{name}", r"Azure container name but received 'my_renditions'"),
        ("azure://ab/{name}", r"received 'ab'"),
        ("azure://a--b/{name}", r"received 'a--b'"),
        ("azure://-ab/{name}", r"received '-ab'"),
        ("azure://" + "a" * 64 + "/{name}", r"received 'a{64}'"),
        ("azure://renditions", r"Expected azure://<container>/<key> for the target"),
        ("s3://bucket/", r"Expected s3://<bucket>/<key> for the target"),
        ("azure://renditions/a/../{name}", r"invalid blob key"),
    ],
)
def test_check_refuses_store_targets_no_store_accepts(tmp_path: Path, target: str, message: str) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"source,profile,target\na.jpg,web,{target}\n")
    with pytest.raises(ManifestError, match=r"m.csv:2: .*" + message):
        scan(manifest, {"web": WEB}, "/out")


def test_check_accepts_valid_container_names_and_reports_invalid_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profiles = tmp_path / "p.toml"
    profiles.write_text('[web]\nrenditions = [{ name = "a.jpg" }]\n')
    good = tmp_path / "good.csv"
    good.write_text("source,profile,target\na.jpg,web,azure://r3-x9/{name}\nb.jpg,web,azure://abc/b/{name}\n")
    assert cli(["batch", str(good), "--profiles", str(profiles), "--check"]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("source,profile,target\na.jpg,web,azure://Bad_Container/{name}\n")
    assert cli(["batch", str(bad), "--profiles", str(profiles), "--check"]) == 2
    assert "bad.csv:2: target 'azure://Bad_Container/a.jpg': Expected 3-63" in capsys.readouterr().err


def test_a_store_target_in_a_missing_s3_bucket_fails_at_once(
    ctx: RenderContext, photos: list[Path], moto_s3: MotoS3Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in moto_s3.env().items():
        monkeypatch.setenv(name, value)
    bucket = missing_container()
    outcome = process_job(job_to(photos[5], f"s3://{bucket}/r/x.jpg"), ctx, MemoryLedger(), Attempt(1, final=False))
    assert not outcome.retry
    assert outcome.records[0]["message"].startswith(f"cannot write the target (404): s3://{bucket}: bucket {bucket!r}")
