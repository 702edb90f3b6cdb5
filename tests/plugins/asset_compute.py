"""Fixtures for tests/asset_compute: a loopback HTTPS/HTTP recorder, TLS and RSA keys, SDK config.

The recorder is the Python twin of the one used to record the reference SDK (spec section 10.1):

* ``GET/HEAD /src/<name>`` serves a registered source without Range support, ``/src-range/<name>`` with
  Range (206 + ``Accept-Ranges``); unknown names are 404;
* ``PUT <anything>`` -> 201; the body is streamed, hashed (sha1) and kept (in memory up to 2 MiB, else in a
  spool file), so a 150 MB upload never sits in memory;
* ``POST /webhook``, ``/api/events`` -> 200; ``POST /api/v1/namespaces/...`` -> 202 ``{"activationId"}``;
* :meth:`Recorder.respond` scripts statuses per method and path prefix (e.g. 503, 503, then default);
  :meth:`Recorder.break_source` cuts a source response after N bytes once (to test resumption).

Everything binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from imgworker.asset_compute.config import ActivationContext, AssetComputeConfig

KEEP_IN_MEMORY = 2 << 20


@dataclass
class Recorded:
    """One request: lower-cased ``headers``, body ``length`` and ``sha1``, ``body`` (or ``spool`` file)."""

    method: str
    path: str
    headers: dict[str, str]
    length: int = 0
    sha1: str = ""
    body: bytes | None = None
    spool: Path | None = None
    status: int = 0
    t: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def open_body(self) -> Any:
        """A binary file object over the body (memory or spool)."""
        import io

        return self.spool.open("rb") if self.spool else io.BytesIO(self.body or b"")


@dataclass
class _Script:
    method: str
    prefix: str
    statuses: list[int]
    repeat: bool
    delay: float
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _record(self) -> Recorded:
        headers = {k.lower(): v for k, v in self.headers.items()}
        rec = Recorded(self.command, self.path, headers)
        length = int(headers.get("content-length") or 0)
        digest = hashlib.sha1()
        sink: Any = None
        buf = bytearray()
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(1 << 20, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            digest.update(chunk)
            if sink is None and len(buf) + len(chunk) > KEEP_IN_MEMORY:
                rec.spool = (
                    self.server.recorder.spool_dir / f"body-{len(self.server.recorder.requests)}-{time.monotonic_ns()}"
                )
                sink = rec.spool.open("wb")
                sink.write(buf)
                buf = bytearray()
            if sink is not None:
                sink.write(chunk)
            else:
                buf.extend(chunk)
        if sink is not None:
            sink.close()
        else:
            rec.body = bytes(buf)
        rec.length, rec.sha1 = length - remaining, digest.hexdigest()
        return rec

    def _send(
        self, status: int, body: bytes = b"", ctype: str = "text/plain", extra: dict[str, str] | None = None
    ) -> None:
        if status in (204, 304):
            body = b""
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        rec = self._record()
        recorder = self.server.recorder
        with recorder.lock:
            recorder.requests.append(rec)
            scripted = recorder.next_scripted(self.command, self.path)
        if scripted is not None:
            status, delay, body = scripted
            time.sleep(delay)
            rec.status = status
            self._send(status, body)
            return
        path = self.path.split("?", 1)[0]
        if self.command in ("GET", "HEAD") and path.startswith(("/src/", "/src-range/")):
            rec.status = self._serve_source(path)
        elif self.command == "PUT":
            rec.status = 201
            self._send(201)
        elif self.command == "POST" and path.startswith("/api/v1/namespaces/"):
            rec.status = 202
            self._send(
                202, json.dumps({"activationId": "0123456789abcdef0123456789abcdef"}).encode(), "application/json"
            )
        elif self.command == "POST":
            rec.status = 200
            self._send(200, b'{"ok":true}', "application/json")
        else:
            rec.status = 404
            self._send(404, b"not found")

    def _serve_source(self, path: str) -> int:
        recorder = self.server.recorder
        ranged = path.startswith("/src-range/")
        name = path.split("/", 2)[2]
        data = recorder.sources.get(name)
        if data is None:
            self._send(404, b"no such source")
            return 404
        size = len(data) if isinstance(data, bytes) else data.stat().st_size
        lo, hi, status = 0, size - 1, 200
        header = self.headers.get("range")
        if ranged and header and header.startswith("bytes="):
            a, _, b = header[6:].partition("-")
            lo, hi, status = int(a or 0), min(int(b) if b else size - 1, size - 1), 206
        cut = recorder.breaks.pop(name, None)
        self.send_response(status)
        self.send_header("content-length", str(hi - lo + 1))
        self.send_header("content-type", "application/octet-stream")
        if ranged:
            self.send_header("accept-ranges", "bytes")
        if status == 206:
            self.send_header("content-range", f"bytes {lo}-{hi}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return status
        with open(data, "rb") if isinstance(data, Path) else _BytesReader(data) as fh:
            fh.seek(lo)
            remaining = hi - lo + 1 if cut is None else min(cut, hi - lo + 1)
            while remaining > 0:
                chunk = fh.read(min(1 << 20, remaining))
                self.wfile.write(chunk)
                remaining -= len(chunk)
        if cut is not None:
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
        return status

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = _handle


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        import io

        self.io = io.BytesIO(data)

    def __enter__(self) -> Any:
        return self.io

    def __exit__(self, *exc: object) -> None:
        self.io.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    recorder: Recorder

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (read timeout tests) is expected: no traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError | TimeoutError):
            super().handle_error(request, client_address)


class Recorder:
    """A running recorder; ``url(path)`` builds URLs, ``requests`` lists what arrived."""

    def __init__(self, spool_dir: Path, tls: tuple[Path, Path] | None) -> None:
        self.spool_dir = spool_dir
        self.requests: list[Recorded] = []
        self.sources: dict[str, bytes | Path] = {}
        self.breaks: dict[str, int] = {}
        self.scripts: list[_Script] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.recorder = self
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
            scheme = "https"
        self.base = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def add_source(self, name: str, data: bytes | Path) -> str:
        """Register a source; returns its ``/src/<name>`` URL."""
        self.sources[name] = data
        return self.url(f"/src/{name}")

    def break_source(self, name: str, after: int) -> None:
        """The next response for source ``name`` is cut after ``after`` bytes."""
        self.breaks[name] = after

    def respond(
        self,
        method: str,
        prefix: str,
        *statuses: int,
        repeat: bool = False,
        delay: float = 0.0,
        body: bytes = b"scripted",
    ) -> None:
        """The next requests matching ``method`` and path ``prefix`` get ``statuses`` in turn, after
        ``delay`` seconds; with ``repeat`` the last status stays, else the defaults resume."""
        self.scripts.append(_Script(method, prefix, list(statuses), repeat, delay, body))

    def next_scripted(self, method: str, path: str) -> tuple[int, float, bytes] | None:
        for script in self.scripts:
            if script.method == method and path.startswith(script.prefix) and script.statuses:
                last = script.repeat and len(script.statuses) == 1
                status = script.statuses[0] if last else script.statuses.pop(0)
                return status, script.delay, script.body
        return None

    def find(self, method: str | None = None, prefix: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and r.path.startswith(prefix)]

    def events(self, prefix: str = "/webhook") -> list[dict[str, Any]]:
        """Event payloads received on ``prefix`` (webhook bodies' ``event``; I/O Events base64 decoded)."""
        out = []
        for rec in self.find("POST", prefix):
            event = rec.json["event"]
            out.append(json.loads(base64.b64decode(event)) if isinstance(event, str) else event)
        return out

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(cert.pem, key.pem) of a self-signed certificate for 127.0.0.1 (also its own CA)."""
    return _self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def webhook_key() -> tuple[str, rsa.RSAPublicKey]:
    """(``hmacPrivateKey`` = base64 of a PEM RSA key, its public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return base64.b64encode(pem).decode(), key.public_key()


@pytest.fixture
def recorder(tls_files: tuple[Path, Path]) -> Iterator[Recorder]:
    """An HTTPS recorder on 127.0.0.1."""
    spool = Path(tempfile.mkdtemp(prefix="recorder-"))
    rec = Recorder(spool, tls_files)
    yield rec
    rec.stop()
    shutil.rmtree(spool, ignore_errors=True)


@pytest.fixture
def http_recorder() -> Iterator[Recorder]:
    """A plain-HTTP recorder on 127.0.0.1."""
    spool = Path(tempfile.mkdtemp(prefix="recorder-"))
    rec = Recorder(spool, None)
    yield rec
    rec.stop()
    shutil.rmtree(spool, ignore_errors=True)


@pytest.fixture
def ac_config(tmp_path: Path, tls_files: tuple[Path, Path]) -> AssetComputeConfig:
    """SDK config for tests: trusts the recorder's certificate, short retry budgets, events to a file."""
    return AssetComputeConfig(
        ca_file=str(tls_files[0]),
        work_base=tmp_path / "work",
        events_file=tmp_path / "events.jsonl",
        retry_budget=1.5,
        multipart_retry_budget=1.5,
        initial_wait=0.01,
        event_retry_budget=0.5,
        event_initial_wait=0.01,
        read_timeout=5.0,
    )


@pytest.fixture
def ac_context() -> ActivationContext:
    """An activation context like the reference harness (``/testns/testpkg/myworker``), no deadline."""
    return ActivationContext(activation_id="act-test", action_name="/testns/testpkg/myworker", namespace="testns")


@pytest.fixture(scope="session")
def small_jpeg(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 512x288 JPEG (a gradient), like the reference's ``small.jpg``."""
    import pyvips

    xyz = pyvips.Image.xyz(512, 288)
    image = (xyz[0] * 0.4 + xyz[1] * 0.3).cast("uchar").bandjoin([xyz[1].cast("uchar"), (xyz[0] / 2).cast("uchar")])
    return bytes(image.jpegsave_buffer(Q=85))


REFERENCE_TRAFFIC = Path(__file__).parents[1] / "asset_compute" / "reference" / "traffic.json"


def _rebase(value: Any, base: str) -> Any:
    if isinstance(value, str):
        return value.replace("{base}", base)
    if isinstance(value, list):
        return [_rebase(v, base) for v in value]
    if isinstance(value, dict):
        return {k: _rebase(v, base) for k, v in value.items()}
    return value


class Reference:
    """The reference SDK's recorded traffic (tests/asset_compute/reference/traffic.json), per scenario."""

    def __init__(self) -> None:
        self.scenarios: dict[str, list[dict[str, Any]]] = json.loads(REFERENCE_TRAFFIC.read_text())["scenarios"]

    def items(self, scenario: str, base: str) -> list[dict[str, Any]]:
        return [_rebase(item, base) for item in self.scenarios[scenario]]

    def events(self, scenario: str, base: str) -> list[dict[str, Any]]:
        """Event payloads (``date`` already removed) in the order they were sent."""
        return [item["event"] for item in self.items(scenario, base) if "event" in item]

    def puts(self, scenario: str, base: str) -> list[dict[str, Any]]:
        return [item for item in self.items(scenario, base) if item["method"] == "PUT"]


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference()


def without_date(event: dict[str, Any]) -> dict[str, Any]:
    out = dict(event)
    assert isinstance(out.pop("date"), str)
    return out


def assert_same_event(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal payloads, key order included, ``date`` ignored (it must be present on ``actual``)."""
    got = without_date(actual)
    assert list(got.items()) == list(expected.items())


def jpeg_metadata(data: bytes) -> dict[str, Any]:
    """``metadata`` of a rendition that is the 512x288 test JPEG."""
    return {
        "repo:size": len(data),
        "tiff:imageWidth": 512,
        "tiff:imageHeight": 288,
        "dc:format": "image/jpeg",
        "repo:sha1": hashlib.sha1(data).hexdigest(),
    }


@pytest.fixture
def webhook_auth(recorder: Recorder, webhook_key: tuple[str, rsa.RSAPublicKey]) -> dict[str, Any]:
    """Params fragment for webhook events to the recorder, as the reference runs used."""
    return {
        "auth": {
            "isServiceAccount": True,
            "webhookUrl": recorder.url("/webhook"),
            "orgId": "TESTORG@AdobeOrg",
            "clientId": "test-client-id",
        },
        "hmacPrivateKey": webhook_key[0],
    }


def make_jwt(key: rsa.RSAPrivateKey, claims: dict[str, Any], alg: str = "RS256") -> str:
    """A JWT signed with ``key`` (RS256 signature whatever ``alg`` says)."""
    from cryptography.hazmat.primitives.asymmetric import padding

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64(signature)}"


class ServedApp:
    """An ASGI app served by uvicorn on 127.0.0.1 in a background thread (``base`` is its URL)."""

    def __init__(self, app: Any) -> None:
        import socket

        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", ws="none", http="h11", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.server.started, "uvicorn did not start"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def serve_app() -> Iterator[Any]:
    """``serve_app(app) -> ServedApp``; every server started is stopped after the test."""
    started: list[ServedApp] = []

    def start(app: Any) -> ServedApp:
        started.append(ServedApp(app))
        return started[-1]

    yield start
    for served in started:
        served.stop()


def silent_callback(source: Any, rendition: Any, params: dict[str, Any]) -> None:
    """A worker callback that writes nothing (``plugins.asset_compute:silent_callback`` for test-worker)."""
