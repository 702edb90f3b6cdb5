"""Take the devtool screenshots of docs/: ``docs/devtool.png`` and ``docs/devtool-error.png``.

    .venv/bin/python scripts/screenshots.py [--out docs]

Starts the service in-process on a free 127.0.0.1 port (data in a temporary folder, sources from
examples/photos), drives Debian's chromium (``/usr/bin/chromium``; ``make test-deps`` installs it)
with Playwright: uploads chelsea.png, runs a three-rendition request (one failing on purpose, to
show how failures look), opens a plan, then shows a bad request's error.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from imgworker.devtool.app import create_app
from imgworker.devtool.settings import ServiceSettings
from imgworker.worker.config import WorkerConfig

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--hide-scrollbars"]  # fmt: skip
REQUEST = {
    "source": "chelsea.png",
    "renditions": [
        {"name": "banner.jpg", "fmt": "jpg", "imgix": {"w": 320, "h": 120, "fit": "crop", "crop": "entropy"}},
        {"name": "square.webp", "fmt": "webp", "imgix": {"w": 180, "h": 180, "fit": "crop", "q": 70}},
        {"name": "broken.jpg", "fmt": "jpg", "imgix": '{"w": 200, "fit": crop}'},
    ],
}


def serve(data: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    settings = ServiceSettings(
        data_dir=data / "devtool", examples_dir=REPO / "examples" / "photos",
        worker=WorkerConfig(staging_store=str(data / "staging")),
    )  # fmt: skip
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def shoot(page: Page, out: Path) -> None:
    page.goto("/")
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#upload", str(REPO / "examples" / "photos" / "chelsea.png"))
    page.wait_for_selector("#status.good")
    page.fill("#request", json.dumps(REQUEST))
    page.click("#format")
    page.fill("#param-name", "fit")
    page.click("#run")
    page.wait_for_function("() => [...document.images].filter(i => i.classList.contains('rendition-img'))"
                           ".every(i => i.complete && i.naturalWidth > 0) && document.querySelectorAll"
                           "('img.rendition-img').length === 2")  # fmt: skip
    page.locator("article.card").nth(1).get_by_role("button", name="plan").click()
    page.wait_for_selector("article.card .plan")
    page.screenshot(path=str(out / "devtool.png"), full_page=True)

    page.fill("#request", json.dumps({"source": "holiday.jpg", "renditions": [{"name": "a.jpg", "imgix": {"w": 300}}]}))
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    page.screenshot(path=str(out / "devtool-error.png"), full_page=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, thread, base = serve(Path(tmp))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 900}, base_url=base)
                shoot(page, args.out)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(10)
    print(f"wrote {args.out / 'devtool.png'} and {args.out / 'devtool-error.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
