"""The devtool page in a real browser: Debian's chromium, headless, driven by Playwright (sync API).

Uploads examples/photos/chelsea.png, runs a two-rendition request and checks that both rendition
images load with the requested pixel sizes; then checks that bad requests show their error.
The server is ``imgworker serve`` on a loopback port (fixtures in conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtool.serving import PHOTOS

pytestmark = pytest.mark.browser

TWO_RENDITIONS = {
    "source": "chelsea.png",
    "renditions": [
        {"name": "banner.jpg", "fmt": "jpg", "imgix": {"w": 320, "h": 120, "fit": "crop", "crop": "entropy"}},
        {"name": "square.png", "fmt": "png", "imgix": {"w": 150, "h": 150, "fit": "crop"}},
    ],
}
_LOADED = """() => {
  const imgs = [...document.querySelectorAll('img.rendition-img')];
  return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0);
}"""


def natural_sizes(page: Page) -> list[tuple[int, int]]:
    sizes = page.eval_on_selector_all("img.rendition-img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
    return [(int(w), int(h)) for w, h in sizes]


def test_upload_run_two_renditions(page: Page, tmp_path: Path) -> None:
    page.set_input_files("#upload", str(PHOTOS / "chelsea.png"))
    expect(page.locator("#status")).to_contain_text("uploaded chelsea.png (451×300")
    selected = page.eval_on_selector("#source-select", "s => [s.value, s.selectedOptions[0].parentElement.label]")
    assert selected == ["chelsea.png", "Uploaded"]
    assert json.loads(page.input_value("#request"))["source"] == "chelsea.png"

    page.fill("#request", json.dumps(TWO_RENDITIONS, indent=2))
    expect(page.locator("#json-status")).to_contain_text("2 renditions")
    page.click("#run")
    page.wait_for_function(_LOADED, timeout=30_000)
    assert natural_sizes(page) == [(320, 120), (150, 150)]

    cards = page.locator("article.card")
    expect(cards).to_have_count(3)  # the source, then both renditions
    expect(cards.nth(0)).to_contain_text("451×300")
    expect(cards.nth(1)).to_contain_text("image/jpeg · 320×120")
    expect(cards.nth(2)).to_contain_text("image/png · 150×150")
    expect(page.locator("#summary")).to_contain_text("2 created, 0 failed")
    expect(page.locator("a.download")).to_have_count(2)
    expect(page.locator("#error")).to_be_hidden()
    assert page.locator("#events").text_content().count('"rendition_created"') == 2  # type: ignore[union-attr]

    cards.nth(1).get_by_role("button", name="plan").click()
    expect(cards.nth(1).locator(".plan")).to_contain_text("signature valid")
    expect(cards.nth(1).locator(".plan tr.used")).to_have_count(5)  # crop, fit, fm, h, w
    page.screenshot(path=str(tmp_path / "devtool.png"), full_page=True)


def test_bad_requests_show_their_error(page: Page) -> None:
    page.fill("#request", '{"source": "chelsea.png", "renditions": [ oops ]}')
    expect(page.locator("#json-status")).to_contain_text("Not valid JSON")
    page.click("#run")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("the request is not valid JSON")

    missing = {"source": "no-such-photo.jpg", "renditions": [{"name": "a.jpg", "imgix": {"w": 10}}]}
    page.fill("#request", json.dumps(missing))
    page.click("#run")
    expect(page.locator("#error")).to_contain_text("Error 404: source 'no-such-photo.jpg' is not in the library")
    expect(page.locator("img.rendition-img")).to_have_count(0)

    failing = {"source": "astronaut.png", "renditions": [{"name": "broken.jpg", "imgix": '{"w": 64,'}]}
    page.fill("#request", json.dumps(failing))
    page.click("#run")
    card = page.locator("article.card.failed")  # the job ran; this rendition failed
    expect(card).to_contain_text("GenericError")
    expect(card).to_contain_text("instructions.imgix is not valid JSON")
    expect(page.locator("#error")).to_be_hidden()


def test_parameter_helper_autocompletes_and_adds(page: Page) -> None:
    options = page.eval_on_selector_all("#param-list option", "os => os.map(o => o.value)")
    assert {"w", "h", "fit", "crop", "blur", "upscale"} <= set(options)
    page.fill("#param-name", "fit")
    info = page.locator("#param-info")
    expect(info).to_contain_text("string{clamp,clip,crop,facearea,fill,fillmax,max,min,scale}")
    expect(info).to_contain_text("clip")
    expect(info).to_contain_text("implemented")
    page.fill("#param-name", "upscale")
    expect(info).to_contain_text("not rendered by the embedded renderer")

    page.fill("#param-name", "q")
    page.fill("#param-value", "55")
    page.select_option("#param-target", "1")
    page.click("#param-add")
    request = json.loads(page.input_value("#request"))
    assert request["renditions"][1]["imgix"]["q"] == 55
