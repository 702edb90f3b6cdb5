"""Storage servers on 127.0.0.1 for the tests: Azurite (Azure Blob) and moto (S3).

Session-scoped, started once on a free port, stopped at the end of the session:

* ``azurite`` -> :class:`AzuriteService`: ``node_modules/.bin/azurite-blob`` (npm ``azurite``
  3.35.0, pinned in package.json) with ``--inMemoryPersistence --skipApiVersionCheck --loose
  --disableTelemetry --silent`` (runtime-and-scale.md section 3.1). If the binary is missing the
  test FAILS with "run `make test-deps`": it is never skipped.
* ``moto_s3`` -> :class:`MotoS3Service`: moto's ``ThreadedMotoServer`` (in-process, S3 API).

Function-scoped helpers give each test a fresh container or bucket:
``azure_container`` (an :class:`~imgworker.storage.azure.AzureBlobStore` on a new container) and
``s3_bucket`` (an :class:`~imgworker.storage.s3.S3Store` on a new bucket).

Usage in an end-to-end test::

    def test_job(azurite, monkeypatch):
        for name, value in azurite.env().items():
            monkeypatch.setenv(name, value)          # imgworker.config picks them up
        source = azurite.store("source")             # created if missing
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from imgworker.config import AZURITE_ACCOUNT, AZURITE_KEY
from imgworker.storage.azure import AzureBlobStore
from imgworker.storage.s3 import S3Store

REPO = Path(__file__).resolve().parents[2]
AZURITE_BIN = REPO / "node_modules" / ".bin" / "azurite-blob"
STARTUP_TIMEOUT = 30.0  # seconds; measured 0.4-1.0 s, but the machine is shared


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes] | None, log: Path | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            output = log.read_text(errors="replace") if log else ""
            raise RuntimeError(f"azurite exited with code {proc.returncode}:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@dataclass(frozen=True)
class AzuriteService:
    """A running Azurite blob service.

    ``blob_endpoint`` is path-style: ``http://127.0.0.1:<port>/devstoreaccount1``; ``account`` and
    ``key`` are Azurite's public development credentials.
    """

    host: str
    port: int
    account: str
    key: str

    @property
    def blob_endpoint(self) -> str:
        """``http://127.0.0.1:<port>/devstoreaccount1``."""
        return f"http://{self.host}:{self.port}/{self.account}"

    @property
    def connection_string(self) -> str:
        """``DefaultEndpointsProtocol=http;AccountName=...;AccountKey=...;BlobEndpoint=...;``."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account};AccountKey={self.key};"
            f"BlobEndpoint={self.blob_endpoint};"
        )

    def env(self) -> dict[str, str]:
        """Variables that point imgworker at this Azurite (both the source and the imgix account)."""
        return {"AZURE_STORAGE_CONNECTION_STRING": self.connection_string}

    def store(self, container: str, *, create: bool = True) -> AzureBlobStore:
        """An :class:`AzureBlobStore` on ``container``, created if missing (unless ``create=False``)."""
        store = AzureBlobStore(
            container, account_name=self.account, account_key=self.key, blob_endpoint=self.blob_endpoint
        )
        if create:
            store.create()
        return store


@dataclass(frozen=True)
class MotoS3Service:
    """A running moto S3 server: ``endpoint_url`` ``http://127.0.0.1:<port>``, fake credentials.

    moto does not check presigned signatures or expiry: negative auth tests belong on Azurite.
    """

    endpoint_url: str
    region: str = "us-east-1"
    access_key_id: str = "testing"
    secret_access_key: str = "testing"

    def env(self) -> dict[str, str]:
        """Variables that point imgworker's S3 stores at this server."""
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_REGION": self.region,
        }

    def store(self, bucket: str, *, create: bool = True) -> S3Store:
        """An :class:`S3Store` on ``bucket``, created if missing (unless ``create=False``)."""
        store = S3Store(
            bucket,
            endpoint_url=self.endpoint_url,
            region=self.region,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
        )
        if create:
            store.create()
        return store


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteService]:
    """Azurite blob service on 127.0.0.1:<free port>, in memory; killed at the end of the session."""
    if not os.access(AZURITE_BIN, os.X_OK):
        pytest.fail(f"Azurite is not installed ({AZURITE_BIN} missing): run `make test-deps`", pytrace=False)
    workdir = tmp_path_factory.mktemp("azurite")
    log = workdir / "azurite.log"
    port = free_port()
    args = [
        str(AZURITE_BIN),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--loose",
        "--disableTelemetry",
        "--silent",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_for_port(port, proc, log, STARTUP_TIMEOUT)
        yield AzuriteService("127.0.0.1", port, AZURITE_ACCOUNT, AZURITE_KEY)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3Service]:
    """moto's S3 server on 127.0.0.1:<free port> (in-process thread); stopped at the end of the session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        _wait_for_port(port, None, None, STARTUP_TIMEOUT)
        yield MotoS3Service(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def azure_container(azurite: AzuriteService) -> Iterator[AzureBlobStore]:
    """A fresh container ``t-<random>`` on Azurite; deleted after the test."""
    store = azurite.store(_unique("t"))
    yield store
    store.delete_container()


@pytest.fixture
def s3_bucket(moto_s3: MotoS3Service) -> S3Store:
    """A fresh bucket ``t-<random>`` on moto (left for the server to drop at the end of the session)."""
    return moto_s3.store(_unique("t"))
