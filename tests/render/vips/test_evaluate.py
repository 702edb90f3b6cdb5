"""vips/evaluate.py: the deadline watch stops libvips work, and never leaves a dangling handler."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from imgworker.render import deadline, vips
from imgworker.render.errors import RenderTimeout


def test_an_expired_deadline_kills_the_evaluation() -> None:
    big = (vips.black(4000, 4000, 3) + 128).gaussblur(40)  # seconds of work if it ran to the end
    start = time.monotonic()
    with deadline.deadline(0.2), pytest.raises(RenderTimeout):
        vips.save(big, ".png")
    assert time.monotonic() - start < 1.5  # stopped soon after the 0.2 s budget, not at the end


def test_a_memory_image_watched_twice_outlives_its_first_wrapper() -> None:
    """copy_memory() of an image already in memory returns the same C image under a new Python
    wrapper; the first wrapper's eval connection must not point at freed memory once it is gone
    (it used to abort the whole process: "ffi.from_handle() ... points to garbage")."""
    code = textwrap.dedent(
        """
        import gc
        from imgworker.render import deadline, vips
        with deadline.deadline(30):
            first = vips.evaluate(vips.black(64, 64, 3))
            second = vips.evaluate(first)  # same C image, new wrapper, watched again
            del first
            gc.collect()
            vips.save(second, ".png")
            vips.save(second, ".png")
        print("alive")
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "alive" in run.stdout, run.stderr[-500:]
