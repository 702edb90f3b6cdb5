"""``imgworker run`` as a user runs it: the example request and the one-rendition shorthand."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import EXAMPLES, loader_of, size_of

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGIX_")}
    env["IMGWORKER_STAGING_STORE"] = str(cwd / "staging")
    return subprocess.run([sys.executable, "-m", "imgworker.cli", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=120)  # fmt: skip


def test_example_request_makes_every_rendition(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    result = _run(["run", "examples/request.json", "--events", "events.jsonl"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    request = json.loads((tmp_path / "examples" / "request.json").read_text())
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert len(events) == len(request["renditions"])
    for rendition, event in zip(request["renditions"], events, strict=True):
        assert event["type"] == "rendition_created", event
        data = (tmp_path / rendition["target"]).read_bytes()
        imgix = rendition["imgix"] if isinstance(rendition["imgix"], dict) else json.loads(rendition["imgix"])
        if "w" in imgix and "h" in imgix:
            assert size_of(data) == (imgix["w"], imgix["h"])
        elif "w" in imgix:
            assert size_of(data)[0] == imgix["w"]
        fmt = imgix.get("fm") or rendition.get("fmt")
        assert loader_of(data).startswith({"jpg": "jpeg", "png": "png", "webp": "webp"}[fmt])
    assert "square.jpg" in result.stdout and "300x300" in result.stdout


def test_shorthand_with_json_events_and_failure_exit_code(tmp_path: Path) -> None:
    ok = _run(["run", str(EXAMPLES / "chelsea.png"), "--imgix", "w=120&fm=png", "-o", "out/c.png", "--json"], tmp_path)
    assert ok.returncode == 0, ok.stderr
    event = json.loads(ok.stdout.strip().splitlines()[-1])
    assert event["type"] == "rendition_created" and event["metadata"]["tiff:imageWidth"] == 120
    assert size_of((tmp_path / "out" / "c.png").read_bytes()) == (120, 80)
    bad = _run(["run", str(tmp_path / "missing.png"), "--imgix", "w=10", "-o", "out/m.png", "--json"], tmp_path)
    assert bad.returncode == 1
    assert "not found" in json.loads(bad.stdout.strip().splitlines()[-1])["errorMessage"]
    assert not (tmp_path / "out" / "m.png").exists()


def test_params_command_lists_the_table() -> None:
    result = subprocess.run([sys.executable, "-m", "imgworker.cli", "params", "--json"], capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    rows = json.loads(result.stdout)
    assert len(rows) == 179
    assert {r["name"] for r in rows if r["implemented"]} >= {"w", "h", "fit", "crop", "fm", "q", "auto", "dpr"}


def test_several_request_files_run_in_one_session(tmp_path: Path) -> None:
    for i, width in enumerate((40, 60)):
        rendition = {"name": f"r{i}.png", "imgix": {"w": width, "fm": "png"}, "target": f"out/r{i}.png"}
        request = {"source": str(EXAMPLES / "chelsea.png"), "renditions": [rendition]}
        (tmp_path / f"req{i}.json").write_text(json.dumps(request))
    (tmp_path / "bad.json").write_text("[1, 2]")
    result = _run(["run", "req0.json", "req1.json"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 requests: 2/2 renditions made" in result.stdout
    assert size_of((tmp_path / "out/r0.png").read_bytes()) == (40, 27)
    assert size_of((tmp_path / "out/r1.png").read_bytes()) == (60, 40)
    assert _run(["run", "req0.json", "bad.json"], tmp_path).returncode == 2  # checked before anything runs


def test_shorthand_takes_the_format_from_the_output_name(tmp_path: Path) -> None:
    for name, loader in (("c.jpg", "jpegload"), ("c.webp", "webpload"), ("c.avif", "heifload")):
        result = _run(
            ["run", str(EXAMPLES / "chelsea.png"), "--imgix", "w=100", "-o", f"out/{name}", "--json"], tmp_path
        )
        assert result.returncode == 0, result.stderr
        data = (tmp_path / "out" / name).read_bytes()
        assert loader_of(data).startswith(loader) and size_of(data) == (100, 67)
        meta = json.loads(result.stdout.strip().splitlines()[-1])["metadata"]
        assert (meta["tiff:imageWidth"], meta["tiff:imageHeight"]) == (100, 67)


def test_usage_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    image = str(EXAMPLES / "chelsea.png")
    for args, message in (
        (["run", image, "-o", "out/x.jpg"], "go with --imgix"),
        (["run", image, "--imgix", "w=10"], "needs -o"),
        (["run", image], "an image?"),
        (["run", "missing.json"], "cannot read the request"),
    ):
        result = _run(args, tmp_path)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_an_unusable_staging_store_is_a_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGIX_")}
    env["IMGWORKER_STAGING_STORE"] = "ftp://nowhere"
    result = subprocess.run([sys.executable, "-m", "imgworker.cli", "run", str(EXAMPLES / "chelsea.png"), "--imgix",
                             "w=10", "-o", "out/x.png"], cwd=tmp_path, env=env, text=True, capture_output=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 2 and "staging store" in result.stderr and "Traceback" not in result.stderr
