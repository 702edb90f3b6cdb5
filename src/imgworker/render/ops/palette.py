"""Colour palettes: ``palette=json|css`` (+ ``colors``, ``prefix``) and ``colorquant`` quantisation.

Docs: https://docs.imgix.com/apis/rendering/color-palette/color-palette-extraction, /colors,
/prefix, and /format/colorquant (spec section 3.6). imgix publishes the payloads, not the algorithm;
ours, stated so results are reproducible:

- **colours**: k-means (OpenCV, k-means++ seeding, fixed RNG seed 1, 10 iterations, 3 attempts)
  in RGB on a copy reduced to at most 100x100 px (alpha flattened on white), sorted by cluster
  population, most prominent first. ``colors`` 0-16 (default 6); fewer come back when the image
  has fewer distinct colours;
- **dominant colours**: the Android Palette scheme (the one imgix names: vibrant, muted_light ...):
  from a 16-colour k-means, each target picks the unused swatch maximising
  ``3 * (1 - |s - s_target|) + 6.5 * (1 - |l - l_target|) + 0.5 * population / max_population``
  among swatches inside its saturation/lightness (HSL) bounds; a target with no candidate is left out;
- ``average_luminance``: mean Rec. 709 luma of the sRGB values, 0-1;
- **colorquant=N**: k-means with N centres on the reduced copy, then every pixel of the full image
  takes its nearest centre (computed once per distinct 5-bit-per-channel cell).
"""

from __future__ import annotations

import colorsys
import json
import re
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from imgworker.render import vips

ANALYSIS_SIDE = 100
# name: (lightness min, target, max), (saturation min, target, max)
TARGETS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "vibrant": ((0.3, 0.5, 0.7), (0.35, 1.0, 1.0)),
    "muted_light": ((0.55, 0.74, 1.0), (0.0, 0.3, 0.4)),
    "muted": ((0.3, 0.5, 0.7), (0.0, 0.3, 0.4)),
    "vibrant_dark": ((0.0, 0.26, 0.45), (0.35, 1.0, 1.0)),
    "vibrant_light": ((0.55, 0.74, 1.0), (0.35, 1.0, 1.0)),
    "muted_dark": ((0.0, 0.26, 0.45), (0.0, 0.3, 0.4)),
}


@dataclass(frozen=True)
class Swatch:
    """One palette colour: 8-bit sRGB and its share of the analysed pixels (0-1)."""

    rgb: tuple[int, int, int]
    population: float

    def as_json(self) -> dict[str, Any]:
        r, g, b = (round(c / 255, 6) for c in self.rgb)
        return {"red": r, "green": g, "blue": b, "hex": self.hex}

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


def _pixels(image: vips.Image, side: int = ANALYSIS_SIDE) -> np.ndarray[Any, Any]:
    """(N, 3) float32 RGB of a copy reduced to at most ``side`` px, alpha flattened on white."""
    scale = min(1.0, side / max(image.width, image.height))
    small = image.resize(scale) if scale < 1.0 else image
    if small.hasalpha():
        small = small.flatten(background=[255, 255, 255])
    if small.bands < 3:  # grey: the same value in R, G and B
        grey = small.extract_band(0)
        small = grey.bandjoin([grey, grey])
    array = vips.to_numpy(vips.evaluate(small.cast("uchar")))
    return np.asarray(array, dtype=np.float32).reshape(-1, small.bands)[:, :3]


def kmeans(pixels: np.ndarray[Any, Any], k: int) -> list[Swatch]:
    """k-means colours of ``pixels`` (N, C), most populous first; at most the distinct colours."""
    distinct, counts0 = np.unique(pixels.astype(np.uint8), axis=0, return_counts=True)
    if len(distinct) <= k:  # no clustering needed (and OpenCV misreads a single sample)
        order0 = np.argsort(-counts0, kind="stable")
        total0 = float(counts0.sum())
        return [Swatch((int(distinct[i][0]), int(distinct[i][1]), int(distinct[i][2])), counts0[i] / total0)
                for i in order0]  # fmt: skip
    k = max(1, min(k, len(distinct)))
    cv2.setRNGSeed(1)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 0.5)
    labels0 = np.zeros((len(pixels), 1), dtype=np.int32)
    _compact, labels, centres = cv2.kmeans(
        np.ascontiguousarray(pixels, dtype=np.float32), k, labels0, criteria, 3, cv2.KMEANS_PP_CENTERS
    )
    centres = np.asarray(centres, dtype=np.float32).reshape(k, -1)  # OpenCV flattens a single centre
    counts = np.bincount(labels.ravel(), minlength=k)
    order = np.argsort(-counts, kind="stable")
    total = float(counts.sum())
    return [
        Swatch(tuple(round(float(c)) for c in centres[i][:3]), counts[i] / total)  # type: ignore[arg-type]
        for i in order
        if counts[i] > 0
    ]


def dominant(swatches: list[Swatch]) -> dict[str, Swatch]:
    """Android-Palette-style named swatches (see module docstring)."""
    if not swatches:
        return {}
    top = max(s.population for s in swatches)
    used: set[tuple[int, int, int]] = set()
    out: dict[str, Swatch] = {}
    for name, ((lmin, lt, lmax), (smin, st, smax)) in TARGETS.items():
        best, best_score = None, -1.0
        for s in swatches:
            _h, lum, sat = colorsys.rgb_to_hls(*(c / 255 for c in s.rgb))
            if s.rgb in used or not (lmin <= lum <= lmax and smin <= sat <= smax):
                continue
            score = 3 * (1 - abs(sat - st)) + 6.5 * (1 - abs(lum - lt)) + 0.5 * s.population / top
            if score > best_score:
                best, best_score = s, score
        if best is not None:
            used.add(best.rgb)
            out[name] = best
    return out


def vibrant_pair(image: vips.Image) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(vibrant dark, vibrant light) RGB of ``image`` (the colours imgix's ``fill=gradient`` uses);
    a missing one falls back to the darkest / lightest of the 16 k-means colours."""
    swatches = kmeans(_pixels(image), 16)
    if not swatches:
        return (0, 0, 0), (255, 255, 255)
    named = dominant(swatches)
    by_light = sorted(swatches, key=lambda s: colorsys.rgb_to_hls(*(c / 255 for c in s.rgb))[1])
    dark = named["vibrant_dark"].rgb if "vibrant_dark" in named else by_light[0].rgb
    light = named["vibrant_light"].rgb if "vibrant_light" in named else by_light[-1].rgb
    return dark, light


def extract(image: vips.Image, colors: int) -> dict[str, Any]:
    """The ``palette=json`` document of ``image``."""
    pixels = _pixels(image)
    colours = kmeans(pixels, colors) if colors > 0 else []
    luma = pixels @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32) / 255.0
    named = dominant(kmeans(pixels, 16))
    return {
        "colors": [s.as_json() for s in colours],
        "average_luminance": round(float(luma.mean()), 6),
        "dominant_colors": {name: s.as_json() for name, s in named.items()},
    }


def css_prefix(prefix: str) -> str:
    """``prefix`` reduced to CSS identifier characters (letters, digits, ``-``, ``_``), else ``image``:
    the value goes into a stylesheet, so it can never close a rule or inject markup."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "", prefix)
    return safe if safe and not safe[0].isdigit() else "image"


def to_css(doc: dict[str, Any], prefix: str) -> str:
    """The ``palette=css`` text for a :func:`extract` document (imgix's class names)."""
    prefix = css_prefix(prefix)
    lines: list[str] = []

    def rule(name: str, hex_: str) -> None:
        lines.append(f".{prefix}-fg-{name} {{ color:{hex_} !important; }}")
        lines.append(f".{prefix}-bg-{name} {{ background-color:{hex_} !important; }}")

    for i, c in enumerate(doc["colors"], start=1):
        rule(str(i), c["hex"])
    rule("ex-1", "#ffffff")
    rule("ex-2", "#000000")
    for name, c in doc["dominant_colors"].items():
        rule(name.replace("_", "-"), c["hex"])
    return "\n".join(lines) + "\n"


def render(image: vips.Image, fmt: str, colors: int, prefix: str) -> tuple[bytes, str]:
    """(body, Content-Type) for ``palette=json`` or ``palette=css``."""
    doc = extract(image, max(0, min(16, colors)))
    if fmt == "css":
        return to_css(doc, prefix or "image").encode("utf-8"), "text/css; charset=utf-8"
    return json.dumps(doc).encode("utf-8"), "application/json"


def quantize(image: vips.Image, n: int) -> vips.Image:
    """``image`` with at most ``n`` (2-256) colours (alpha kept as is)."""
    n = max(2, min(256, n))
    image = vips.evaluate(image)  # read twice below (sources load with sequential access)
    centres = np.array([s.rgb for s in kmeans(_pixels(image), n)], dtype=np.int32)
    full = np.asarray(vips.to_numpy(image))
    rgb = full[:, :, :3].astype(np.int32)
    cells = (rgb >> 3) @ np.array([1024, 32, 1], dtype=np.int32)
    unique, inverse = np.unique(cells.ravel(), return_inverse=True)
    centre_of_cell = (np.stack([unique >> 10, (unique >> 5) & 31, unique & 31], axis=1) << 3) + 4
    nearest = np.empty(len(unique), dtype=np.int32)
    for i in range(0, len(unique), 4096):
        chunk = centre_of_cell[i : i + 4096]
        d = ((chunk[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        nearest[i : i + 4096] = d.argmin(axis=1)
    mapped = centres[nearest[inverse]].reshape(rgb.shape).astype(np.uint8)
    if full.shape[2] > 3:
        mapped = np.concatenate([mapped, full[:, :, 3:]], axis=2)
    return vips.from_numpy(mapped).copy(interpretation="srgb")
