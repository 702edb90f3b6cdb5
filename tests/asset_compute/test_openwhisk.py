"""openwhisk: the action zip of scripts/build-openwhisk-action.py through the /init + /run proxy over HTTP."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from imgworker.asset_compute.openwhisk import MARKER, create_proxy_app
from plugins.asset_compute import Recorder

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "eyJhbGciOiJub25lIn0.eyJjbGllbnRfaWQiOiJ3ZWItY2xpZW50In0.x"


@pytest.fixture
def isolated_process_state() -> Iterator[None]:
    """The proxy exports env variables and runs activate_this.py in this process: restore both."""
    env, path, prefix = dict(os.environ), list(sys.path), sys.prefix
    yield
    os.environ.clear()
    os.environ.update(env)
    sys.path[:] = path
    sys.prefix = prefix


def build_zip(tmp_path: Path) -> Path:
    out = tmp_path / "action.zip"
    script = ROOT / "scripts" / "build-openwhisk-action.py"
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            "--skip-install",
            "--output",
            str(out),
            "--worker",
            "imgworker.asset_compute.examples:passthrough",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(out) in proc.stdout
    return out


def test_build_script_layout(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_zip(tmp_path)) as archive:
        names = set(archive.namelist())
        main = archive.read("__main__.py").decode()
    assert {"__main__.py", "virtualenv/bin/activate_this.py"} <= names
    assert any(n.startswith("virtualenv/lib/python3.11/site-packages") for n in names)
    assert 'load_worker("imgworker.asset_compute.examples:passthrough")' in main.replace("'", '"')


def test_init_and_run_round_trip(
    tmp_path: Path,
    recorder: Recorder,
    tls_files: tuple[Path, Path],
    serve_app: Any,
    isolated_process_state: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = base64.b64encode(build_zip(tmp_path).read_bytes()).decode()
    proxy = serve_app(create_proxy_app(tmp_path))
    events = tmp_path / "events.jsonl"
    env = {
        "ASSET_COMPUTE_CA_FILE": str(tls_files[0]),
        "ASSET_COMPUTE_EVENTS_FILE": str(events),
        "WORKER_BASE_DIRECTORY": str(tmp_path / "work"),
    }
    recorder.add_source("a.jpg", b"\xff\xd8\xff not really a jpeg")
    deadline = str(int(time.time() * 1000) + 120_000)
    context = {
        "action_name": "/ns/pkg/worker",
        "activation_id": "ow-activation-1",
        "deadline": deadline,
        "api_key": "user:pass",
        "namespace": "ns",
        "api_host": recorder.base,
        "transaction_id": "tx",
    }
    value = {
        "source": recorder.url("/src/a.jpg"),
        "requestId": "req-ow",
        "renditions": [{"fmt": "jpg", "name": "ow.jpg", "target": recorder.url("/put/ow.jpg")}],
    }
    with httpx.Client(base_url=proxy.base, timeout=30) as client:
        before = client.post("/run", json={"value": {}})
        init = client.post(
            "/init", json={"value": {"name": "worker", "main": "main", "binary": True, "code": code, "env": env}}
        )
        again = client.post("/init", json={"value": {"code": code, "binary": True}})
        run = client.post("/run", json={"value": value, **context})
        web = client.post(
            "/run",
            json={
                "value": {
                    "__ow_method": "post",
                    "__ow_path": "",
                    "renditions": [],
                    "__ow_headers": {"authorization": f"Bearer {TOKEN}"},
                },
                **context,
            },
        )
        bad = client.post("/run", json={"value": {"renditions": "x"}, **context})
    assert (before.status_code, before.json()) == (500, {"error": "no action defined yet"})
    assert (init.status_code, init.json()) == (200, {"ok": True})
    assert again.status_code == 403
    assert (run.status_code, run.json()) == (200, {"requestId": "req-ow"})
    [put] = recorder.find("PUT")
    assert (put.path, put.body) == ("/put/ow.jpg", b"\xff\xd8\xff not really a jpeg")
    [event] = [json.loads(line) for line in events.read_text().splitlines()]
    assert (event["type"], event["requestId"], event["rendition"]) == (
        "rendition_created",
        "req-ow",
        {"fmt": "jpg", "name": "ow.jpg"},
    )
    assert os.environ["__OW_ACTIVATION_ID"] == "ow-activation-1" and os.environ["__OW_DEADLINE"] == deadline
    assert web.json() == {"statusCode": 200, "body": {"activationId": "0123456789abcdef0123456789abcdef"}}
    [invoke] = recorder.find("POST", "/api/v1/namespaces/ns/actions/pkg/worker")
    assert invoke.headers["authorization"] == "Basic " + base64.b64encode(b"user:pass").decode()
    assert bad.status_code == 200 and bad.json()["error"]["message"] == "'renditions' is not an array."
    assert capsys.readouterr().out.count(MARKER) == 3
    assert not (tmp_path / "work" / "ow-activation-1").exists()


def test_proxy_result_rules(tmp_path: Path, serve_app: Any, isolated_process_state: None) -> None:
    source = "def main(args):\n    if args.get('boom'):\n        raise ValueError('boom!')\n    return args.get('r')\n"
    proxy = serve_app(create_proxy_app(tmp_path))
    with httpx.Client(base_url=proxy.base, timeout=10) as client:
        assert client.post("/init", json={"value": {}}).status_code == 403
        assert client.post("/init", json={"value": {"code": source, "main": "main"}}).json() == {"ok": True}
        listed = client.post("/run", json={"value": {"r": [1, 2]}})
        raised = client.post("/run", json={"value": {"boom": True}})
        scalar = client.post("/run", json={"value": {"r": 42}})
    assert (listed.status_code, listed.json()) == (200, [1, 2])
    assert (raised.status_code, raised.json()) == (200, {"error": "boom!"})
    assert (scalar.status_code, scalar.json()) == (502, {"error": "The action did not return a dictionary or array."})


def test_init_failure_is_502(tmp_path: Path, serve_app: Any, isolated_process_state: None) -> None:
    proxy = serve_app(create_proxy_app(tmp_path))
    with httpx.Client(base_url=proxy.base, timeout=10) as client:
        resp = client.post("/init", json={"value": {"code": "def handler(args): return {}", "main": "main"}})
    assert resp.status_code == 502 and "no callable `main`" in resp.json()["error"]


def test_init_failure_leaves_no_folder(tmp_path: Path, serve_app: Any, isolated_process_state: None) -> None:
    proxy = serve_app(create_proxy_app(tmp_path))
    with httpx.Client(base_url=proxy.base, timeout=10) as client:
        broken = client.post("/init", json={"value": {"code": "raise RuntimeError('at import')"}})
        assert broken.status_code == 502
        assert list(tmp_path.glob("ow-action-*")) == []
        assert client.post("/init", json={"value": {"code": "def main(args):\n    return args\n"}}).status_code == 200
    [folder] = tmp_path.glob("ow-action-*")
    assert [entry for entry in sys.path if entry.startswith(str(tmp_path))] == [str(folder)]


def test_shutdown_removes_the_action_folder(tmp_path: Path, isolated_process_state: None) -> None:
    from starlette.testclient import TestClient

    app = create_proxy_app(tmp_path)
    with TestClient(app, base_url="http://127.0.0.1") as client:  # runs the lifespan: startup ... shutdown
        assert client.post("/init", json={"value": {"code": "def main(args):\n    return args\n"}}).json() == {
            "ok": True
        }
        [folder] = tmp_path.glob("ow-action-*")
        assert client.post("/run", json={"value": {"a": 1}}).json() == {"a": 1}
    assert not folder.exists() and app.state.proxy.code_dir is None
    assert str(folder) not in sys.path
    app.state.proxy.close()  # idempotent
