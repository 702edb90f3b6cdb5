"""Fixtures of the devtool tests (see :mod:`serving`): ``serve_factory(**env)`` starts an
``imgworker serve`` per call (stopped at the end of the test); ``service`` is one server shared by a
module, with the secure token :data:`serving.TOKEN`; ``client`` is an httpx client for it;
``browser``/``page``: Debian's chromium through Playwright, headless, loopback only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from devtool.serving import TOKEN, ServeProcess


@pytest.fixture
def serve_factory(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    started: list[ServeProcess] = []

    def start(**env: str) -> ServeProcess:
        root = tmp_path / f"serve{len(started)}"
        root.mkdir()
        server = ServeProcess(root, env)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    root = tmp_path_factory.mktemp("serve")
    server = ServeProcess(root, {"IMGIX_SECURE_TOKEN": TOKEN})
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(service: ServeProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.base_url, timeout=60) as c:
        yield c


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright (never a downloaded browser); fails when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make test-deps` (installs Debian's chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser, service: ServeProcess) -> Iterator[Page]:
    """A fresh page (empty storage) on the shared server's devtool, loaded and ready."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=service.base_url)
    p = context.new_page()
    p.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())  # loopback only
    p.goto("/")
    p.wait_for_selector("body[data-ready=true]")
    try:
        yield p
    finally:
        context.close()
