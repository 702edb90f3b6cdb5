"""Animated sources: frame selection (``frame``, ``interval``, ``reverse``), timing (``fps``, ``loop``)
and the split/join around the per-frame pipeline (field case A08).

Docs: https://docs.imgix.com/apis/rendering/animation (frame, interval, fps, loop, reverse; spec
sections 3.8 and 4 step 2). Behaviour:

- when the output format animates (GIF, WebP) every selected frame is rendered: the source is
  decoded with ``n=-1`` (one tall "toilet-roll" image, ``page-height`` = frame height), split into
  frames, each frame runs the per-frame steps (colour ... flatten) and the frames are joined again
  with ``page-height``, ``delay`` (ms per frame) and ``loop``; other formats get one frame;
- ``frame``: ``N`` (1-based) renders that frame alone (a still, whatever the format); ``M-N``,
  ``M-`` (to the end) and ``-N`` (frames 1..N) select a range; out-of-range numbers are clamped to
  the source's frames;
- ``interval=N`` keeps every Nth frame of the selection (the first included); ``skip=N`` (N >= 2)
  drops every Nth frame of it (frames N, 2N, ...; ``skip=1`` would drop them all and is ignored);
  ``reverse=true`` plays the selection backwards (delays follow their frames);
- ``fps`` (1-60) gives every frame a delay of ``round(1000 / fps)`` ms; ``loop`` (0 = forever,
  default: the source's loop count) sets the loop count;
- sources must have fewer than ``max_frames`` frames (default 900, imgix's documented limit) to
  be animated; otherwise :class:`~imgworker.render.errors.SourceTooLarge` (422) names the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imgworker.render import vips
from imgworker.render.errors import SourceTooLarge
from imgworker.render.params import Params

DEFAULT_MAX_FRAMES = 900
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class Timing:
    """Per-frame delays (ms, in output order) and the loop count (0 = forever)."""

    delays: tuple[int, ...]
    loop: int


def _frame_text(params: Params) -> str | None:
    """``frame`` as given (the raw text: the typed value turns ``-3`` into a clamped integer)."""
    if not params.has("frame"):
        return None
    return str(params.raw.get("frame", params.values["frame"])).strip()


def single_frame(params: Params) -> int | None:
    """The 0-based frame chosen by ``frame=N``, or ``None`` when ``frame`` is absent or a range."""
    text = _frame_text(params)
    if text is not None and text.isdigit():
        return max(0, int(text) - 1)
    return None


def select(params: Params, pages: int) -> list[int]:
    """0-based source frames to render, in output order (see module docstring)."""
    first, last = 0, pages - 1
    text = _frame_text(params)
    single = single_frame(params)
    if single is not None:
        first = last = min(single, pages - 1)
    elif text is not None:
        m = _RANGE.match(text)
        if m and (m.group(1) or m.group(2)):
            first = max(1, int(m.group(1))) - 1 if m.group(1) else 0
            last = min(pages, int(m.group(2))) - 1 if m.group(2) else pages - 1
            first = min(first, pages - 1)
    frames = list(range(first, max(first, last) + 1))
    if params.has("interval"):
        frames = frames[:: max(1, int(params.values["interval"]))]
    skip = int(params.values.get("skip") or 0)
    if skip >= 2:  # drop every Nth frame of the selection (skip=1 would drop them all: ignored)
        frames = [f for i, f in enumerate(frames) if (i + 1) % skip]
    if params.get("reverse", False):
        frames.reverse()
    return frames


DEFAULT_MAX_ANIMATION_PIXELS = 50_000_000
"""Pixels of all frames together (width x height x frames) an animated render may decode: every
frame is held in memory (4 bytes a pixel), so 50 MP keeps one render near 200 MB (field case A11's
memory bound; a 56 KB GIF of 260 frames of 1000x1000 would otherwise take gigabytes)."""


def check_limit(pages: int, max_frames: int, *, frame_pixels: int = 0,
                max_pixels: int = DEFAULT_MAX_ANIMATION_PIXELS) -> None:  # fmt: skip
    """Raise :class:`SourceTooLarge` when an animation has ``max_frames`` frames or more, or more than
    ``max_pixels`` pixels in all its frames (``frame_pixels`` = width x height of one frame)."""
    if pages >= max_frames:
        raise SourceTooLarge(f"animated source has {pages} frames; animations must have fewer than {max_frames} frames")
    if frame_pixels * pages > max_pixels:
        raise SourceTooLarge(
            f"animated source has {pages} frames of {frame_pixels} pixels, above the animation limit of "
            f"{max_pixels} pixels in all frames (ask for one frame with `frame=1`, or a still format)"
        )


def _int_list(image: vips.Image, name: str) -> list[int]:
    if name not in image.get_fields():
        return []
    value = image.get(name)
    return [int(v) for v in value] if isinstance(value, (list, tuple)) else [int(value)]


def timing(image: vips.Image, frames: list[int], params: Params) -> Timing:
    """Delays and loop count for ``frames`` of the loaded toilet-roll ``image``."""
    source = _int_list(image, "delay")
    if params.has("fps"):
        fps = max(1, int(params.values["fps"]))
        delays = [round(1000 / fps)] * len(frames)
    else:
        delays = [source[i] if i < len(source) else 100 for i in frames]
    loop = int(params.values["loop"]) if params.has("loop") else (_int_list(image, "loop") or [0])[0]
    return Timing(tuple(delays), max(0, loop))


def split(image: vips.Image, frames: list[int]) -> list[vips.Image]:
    """The selected frames of a toilet-roll image (evaluated once into memory, then cropped)."""
    height = int(image.get("page-height")) if "page-height" in image.get_fields() else image.height
    whole = vips.evaluate(image)
    return [whole.crop(0, i * height, whole.width, height) for i in frames]


def join(frames: list[vips.Image], timing: Timing) -> vips.Image:
    """Stack processed frames into one animated image (``page-height``, ``delay``, ``loop``)."""
    height = frames[0].height
    image = vips.arrayjoin(frames, across=1) if len(frames) > 1 else frames[0]
    image = vips.set_int(image, "page-height", height)
    image = vips.set_int(image, "loop", timing.loop)
    return vips.set_array_int(image, "delay", list(timing.delays))


def copy_meta(image: vips.Image, source: vips.Image) -> vips.Image:
    """Copy ``page-height``/``delay``/``loop`` from ``source`` (after a pixel rebuild)."""
    fields = source.get_fields()
    if "page-height" in fields:
        image = vips.set_int(image, "page-height", int(source.get("page-height")))
    if "loop" in fields:
        image = vips.set_int(image, "loop", int(source.get("loop")))
    if "delay" in fields:
        image = vips.set_array_int(image, "delay", _int_list(source, "delay"))
    return image
