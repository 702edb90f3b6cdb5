"""Small test helpers: decode images, compare them by content (MAD), locate fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyvips

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent / "examples" / "photos"


def fixture(name: str) -> Path:
    return FIXTURES / name


def decode(data: bytes, *, flatten: bool = True) -> np.ndarray[Any, Any]:
    """Decode to an 8-bit sRGB array (H, W, 3); alpha flattened on white unless ``flatten=False``."""
    image = pyvips.Image.new_from_buffer(data, "")
    if image.interpretation != "srgb":
        image = image.colourspace("srgb")
    if flatten and image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    return np.asarray(image.cast("uchar").numpy())


def size_of(data: bytes) -> tuple[int, int]:
    image = pyvips.Image.new_from_buffer(data, "")
    return (image.width, image.height)


def loader_of(data: bytes) -> str:
    return str(pyvips.Image.new_from_buffer(data, "").get("vips-loader"))


def mad(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    """Mean absolute difference over all pixels and channels (images of equal size)."""
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def fields_of(data: bytes) -> set[str]:
    return set(pyvips.Image.new_from_buffer(data, "").get_fields())


def run_command(module: Any, argv: list[str]) -> int:
    """Run ``imgworker {argv}`` through one command module's own ``register`` (as imgworker.cli does)."""
    import argparse

    parser = argparse.ArgumentParser(prog="imgworker")
    module.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code
