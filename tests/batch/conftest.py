"""Shared fixtures of the batch tests: many small real photos, profiles, a manifest writer and a
scripted HTTP target (``FlakyTarget``) on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import pyvips

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PHOTOS = (FIXTURES / "rocket.jpg", FIXTURES / "orientation" / "Landscape_0.jpg")
CORRUPT = FIXTURES / "LV_truncated.jpg"

PROFILES_TOML = """
[profiles.web]
target = "{profile}/{stem}/{name}"
renditions = [
  { name = "small.jpg", imgix = { w = 96, fit = "max" }, fmt = "jpg" },
  { name = "small.webp", imgix = "w=80&q=60", fmt = "webp" },
  { name = "square.jpg", imgix = { w = 64, h = 64, fit = "crop", crop = "entropy" } },
]

[profiles.thumbs]
target = "{profile}/{stem}/{name}"
renditions = [
  { name = "t48.jpg", imgix = { w = 48, h = 48, fit = "crop" } },
  { name = "t32.png", imgix = { w = 32 }, fmt = "png" },
]
"""
RENDITIONS_PER_SOURCE = 5  # web (3) + thumbs (2)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_manifest(path: Path, rows: Sequence[tuple[str, str]]) -> Path:
    """A CSV manifest ``source,profile``."""
    path.write_text("source,profile\n" + "".join(f"{s},{p}\n" for s, p in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """40 distinct small JPEG sources: 200x150 crops of two real photos at different offsets."""
    folder = tmp_path_factory.mktemp("photos")
    out: list[Path] = []
    for photo in PHOTOS:
        image = pyvips.Image.new_from_file(str(photo))
        for i in range(20):
            left = (i * 37) % (image.width - 200)
            top = (i * 23) % (image.height - 150)
            path = folder / f"{photo.stem.lower()}-{i:02d}.jpg"
            image.crop(left, top, 200, 150).write_to_file(str(path), Q=85)
            out.append(path)
    assert len({sha256(p) for p in out}) == len(out), "crops must be distinct sources"
    return out


@pytest.fixture(scope="session")
def profiles_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("profiles") / "profiles.toml"
    path.write_text(PROFILES_TOML, encoding="utf-8")
    return path


@dataclass
class FlakyTarget:
    """An HTTP server taking PUTs: ``/flaky/...`` answers 503, 503, then 201; ``/denied/...`` 403;
    anything else 201. ``puts[path]`` lists the statuses answered, ``bodies[path]`` the stored bytes."""

    base_url: str = ""
    puts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    bodies: dict[str, bytes] = field(default_factory=dict)

    def status_for(self, path: str) -> int:
        if path.startswith("/denied/"):
            return 403
        if path.startswith("/flaky/") and len(self.puts[path]) < 2:
            return 503
        return 201


@pytest.fixture
def flaky_target() -> Iterator[FlakyTarget]:
    target = FlakyTarget()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?", 1)[0]
            with lock:
                status = target.status_for(path)
                target.puts[path].append(status)
                if status == 201:
                    target.bodies[path] = body
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    target.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
