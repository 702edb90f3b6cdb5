"""Benchmark: imgworker's renderer (in-process) against sharp, side by side in one run.

    python -m benchmarks.render_vs_sharp [--runs 7] [--photo PATH_TO_24MP_JPEG]

Workloads (issue #3 acceptance): 24 MP JPEG -> 300x300 crop JPEG; -> 1200 px WebP; 3 MP ->
300x300 ``crop=entropy``; ``crop=faces`` (sharp has no face detector: its nearest, the attention
strategy); PNG with alpha -> JPEG; ``blur=200`` at full size. Both tools get the same bytes, the
same machine and the same quality (75, progressive JPEG). sharp runs in a Node process started by
this script (``node_modules/sharp``, installed by ``make test-deps``); each reports the median of
``--runs`` timed runs after a warm-up. The ratio is imgworker / sharp (below 1.0 = faster).

The 24 MP photo is ``craft-beer-6000x4000.jpg`` of the shared corpus when present (``--photo``), else
an upscaled example photo; the 3 MP and alpha inputs are derived from it and the example photos.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pyvips

from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PHOTO = REPO.parent / "shared" / "corpus" / "photos" / "craft-beer-6000x4000.jpg"

WORKLOADS = {
    "24mp_crop_300_jpeg": ("24mp.jpg", "w=300&h=300&fit=crop&fm=jpg"),
    "24mp_1200_webp": ("24mp.jpg", "w=1200&fm=webp"),
    "3mp_crop_entropy_300": ("3mp.jpg", "w=300&h=300&fit=crop&crop=entropy&fm=jpg"),
    "3mp_crop_faces_300": ("face.jpg", "w=300&h=300&fit=crop&crop=faces&fm=jpg"),
    "alpha_png_to_jpeg": ("alpha.png", "fm=jpg"),
    "24mp_blur_200_full": ("24mp.jpg", "blur=200&fm=jpg"),
}


def make_inputs(work: Path, photo: Path | None) -> None:
    if photo and photo.exists():
        big = pyvips.Image.new_from_file(str(photo))
    else:
        big = pyvips.Image.new_from_file(str(REPO / "examples/photos/chelsea.png")).resize(6000 / 451)
        big = big.crop(0, 0, 6000, 4000)
    big.jpegsave(str(work / "24mp.jpg"), Q=90)
    big.resize(2121 / big.width).jpegsave(str(work / "3mp.jpg"), Q=90)
    face = pyvips.Image.new_from_file(str(REPO / "examples/photos/astronaut.png")).resize(1732 / 512)
    face.jpegsave(str(work / "face.jpg"), Q=90)
    base = pyvips.Image.new_from_file(str(REPO / "examples/photos/astronaut.png")).resize(4)  # 2048x2048
    mask = pyvips.Image.svgload_buffer(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="2048" height="2048">'
        b'<circle cx="1024" cy="1024" r="900" fill="white"/></svg>'
    ).extract_band(3)
    base.bandjoin(mask).pngsave(str(work / "alpha.png"))
    # imgworker maps blur=N to a Gaussian sigma of N/10 output pixels (docs/renderer-adjustments.md)
    (work / "params.json").write_text(json.dumps({"blur_sigma": 200 / 10}))


def time_imgworker(work: Path, runs: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, (file, query) in WORKLOADS.items():
        data = (work / file).read_bytes()
        params = parse_query(query)
        render(data, params)  # warm-up
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            result = render(data, params)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = {"median_ms": statistics.median(times), "width": result.width, "height": result.height,
                     "bytes": len(result.data)}  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_inputs(work, args.photo)
        ours = time_imgworker(work, args.runs)
        node = subprocess.run(["node", str(REPO / "benchmarks/sharp_bench.mjs"), str(work), str(args.runs)],
                              cwd=REPO, capture_output=True, text=True, check=True)  # fmt: skip
        theirs = json.loads(node.stdout)
    print(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)} (imgworker) vs sharp "
          f"(median of {args.runs} runs, ms)")  # fmt: skip
    print("| workload | imgworker ms | sharp ms | ratio | imgworker output | sharp output |")
    print("|---|---:|---:|---:|---|---|")
    for name in WORKLOADS:
        a, b = ours[name], theirs[name]
        print(
            f"| {name} | {a['median_ms']:.1f} | {b['median_ms']:.1f} | {a['median_ms'] / b['median_ms']:.2f} "
            f"| {a['width']:.0f}x{a['height']:.0f}, {a['bytes']:.0f} B | {b['width']}x{b['height']}, {b['bytes']} B |"
        )


if __name__ == "__main__":
    main()
