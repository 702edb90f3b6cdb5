"""The state the pipeline steps share: renderer limits, the render result, the mutable step state."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from typing import Any

from imgworker.render import deadline, vips
from imgworker.render.detect.faces import Face
from imgworker.render.ops import animation, format, geometry
from imgworker.render.ops.faces import find_faces
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.params import Params


@dataclass(frozen=True)
class Limits:
    """Renderer limits.

    Attributes:
        pixel_limit: source width x height x pages above which the source is refused from its
            header (decompression bombs, field case A11); default 268,402,689 (sharp's).
        deadline_s: wall-clock budget of one render in seconds; past it the work is stopped and
            :class:`~imgworker.render.errors.RenderTimeout` (503) raised; ``None``: unlimited.
        max_frames: animations with this many frames or more are refused (imgix: fewer than 900).
        max_animation_pixels: animated output decoding more pixels (all frames) is refused (422).
    """

    pixel_limit: int = vips.DEFAULT_PIXEL_LIMIT
    deadline_s: float | None = 30.0
    max_frames: int = animation.DEFAULT_MAX_FRAMES
    max_animation_pixels: int = animation.DEFAULT_MAX_ANIMATION_PIXELS


@dataclass(frozen=True)
class RenderResult:
    """The rendered response body and what the HTTP layer needs to describe it."""

    data: bytes
    content_type: str
    fm: str
    width: int
    height: int
    vary_accept: bool = False


@dataclass
class State:
    """Mutable state passed through the steps."""

    data: bytes
    params: Params
    accept: str
    limits: Limits
    random_access: bool = False
    info: vips.SourceInfo | None = None
    image: Any = None
    plan: geometry.SizePlan | None = None
    orientation: int = 1
    upright: tuple[int, int] = (0, 0)
    output: format.OutputFormat | None = None
    result: RenderResult | None = None
    frames: list[Any] | None = None
    timing: animation.Timing | None = None
    overlays: OverlayFetcher | None = None
    trim_box: geometry.Box | None = None  # set once by ``trim`` (the first frame's box for all)
    face_task: Future[list[Face] | None] | None = None  # detection started beside the decode (detect/ahead.py)
    _faces: dict[int, list[Face]] = field(default_factory=dict)

    def faces(self, image: vips.Image) -> list[Face]:
        """Faces of ``image`` (cached per image object for the request)."""
        key = id(image)
        if key not in self._faces:
            self._faces[key] = find_faces(image)
        return self._faces[key]

    def region_faces(self, image: vips.Image) -> Callable[[vips.Image], list[Face]]:
        """The faces callback for sizing ``image`` (the upright image as loaded): boxes found beside
        the decode (``face_task``, upright source pixels) mapped into the ``rect`` region's pixels at
        the loaded scale, or, without them, detection on the region itself (:meth:`faces`)."""
        task = self.face_task
        if task is None or self.plan is None:
            return self.faces
        kx, ky = image.width / self.upright[0], image.height / self.upright[1]
        rx, ry = self.plan.region.x, self.plan.region.y

        def faces(region: vips.Image) -> list[Face]:
            try:
                found = task.result(timeout=deadline.remaining())
            except FuturesTimeout:
                raise deadline.timeout_error() from None
            if found is None:  # OpenCV could not decode these bytes: detect on the decoded region
                return self.faces(region)
            return [Face((f.x - rx) * kx, (f.y - ry) * ky, f.w * kx, f.h * ky, f.confidence) for f in found]

        return faces
