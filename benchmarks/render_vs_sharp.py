"""Benchmark: imgworker's renderer (in-process) against sharp, side by side in one run.

    python -m benchmarks.render_vs_sharp [--runs 15] [--photo PATH_TO_24MP_JPEG]

Workloads (issue #3 acceptance): 24 MP JPEG -> 300x300 crop JPEG; -> 1200 px WebP; 3 MP ->
300x300 ``crop=entropy``; ``crop=faces`` (sharp has no face detector: its nearest, the attention
strategy); PNG with alpha -> JPEG; ``blur=200`` at full size. Both tools get the same bytes, the
same machine and the same quality (75, progressive JPEG). sharp runs in one Node process started by
this script (``node_modules/sharp``, installed by ``make test-deps``) that times one run per request.

Runs are interleaved: after a warm-up of each, every round times imgworker then sharp, or sharp then
imgworker (alternating), so that load from elsewhere on the machine hits both alike. The table gives
each tool's median and the median of the per-round ratios imgworker / sharp (below 1.0 = faster),
with the middle half of those ratios (25th-75th percentile) as the spread.

Inputs: the 24 MP photo is ``craft-beer-6000x4000.jpg`` of the shared corpus when present
(``--photo``), else an upscaled example photo; the 3 MP input is derived from it. The face input is
the public-domain astronaut photo enlarged to a 2000x1500 (3 MP, 4:3) JPEG: the 300x300 window must
be placed across its width, so the face detector really runs (a square source cropped to a square
skips the analysis). The alpha input is the astronaut at 2048 px with a circular alpha mask.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pyvips

from imgworker.render.params import Params, parse_query
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
        small = pyvips.Image.new_from_file(str(REPO / "examples/photos/chelsea.png"))
        big = small.resize(max(6000 / small.width, 4000 / small.height) + 1e-6)  # covers 6000x4000
        big = big.crop(0, 0, 6000, 4000)
    big.jpegsave(str(work / "24mp.jpg"), Q=90)
    big.resize(2121 / big.width).jpegsave(str(work / "3mp.jpg"), Q=90)
    face = pyvips.Image.new_from_file(str(REPO / "examples/photos/astronaut.png")).resize(2000 / 512)
    face.crop(0, 0, 2000, 1500).jpegsave(str(work / "face.jpg"), Q=90)
    base = pyvips.Image.new_from_file(str(REPO / "examples/photos/astronaut.png")).resize(4)  # 2048x2048
    mask = pyvips.Image.svgload_buffer(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="2048" height="2048">'
        b'<circle cx="1024" cy="1024" r="900" fill="white"/></svg>'
    ).extract_band(3)
    base.bandjoin(mask).pngsave(str(work / "alpha.png"))
    # imgworker maps blur=N to a Gaussian sigma of N/10 output pixels (docs/renderer-adjustments.md)
    (work / "params.json").write_text(json.dumps({"blur_sigma": 200 / 10}))


class Sharp:
    """The Node side: one ``sharp_bench.mjs`` process answering one timed run per workload name."""

    def __init__(self, work: Path) -> None:
        self.proc = subprocess.Popen(["node", str(REPO / "benchmarks/sharp_bench.mjs"), str(work)], cwd=REPO,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        self.versions = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("sharp_bench.mjs stopped (is sharp installed? run `make test-deps`)")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise SystemExit(reply["error"])
        return reply

    def run(self, name: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def time_ours(data: bytes, params: Params) -> dict[str, Any]:
    t = time.perf_counter()
    result = render(data, params)
    return {"ms": (time.perf_counter() - t) * 1000, "width": result.width, "height": result.height,
            "bytes": len(result.data)}  # fmt: skip


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_inputs(work, args.photo)
        sharp = Sharp(work)
        try:
            for name, (file, query) in WORKLOADS.items():
                data, params = (work / file).read_bytes(), parse_query(query)
                time_ours(data, params), sharp.run(name)  # warm-up
                ours, theirs = [], []
                for i in range(args.runs):
                    if i % 2:
                        theirs.append(sharp.run(name))
                        ours.append(time_ours(data, params))
                    else:
                        ours.append(time_ours(data, params))
                        theirs.append(sharp.run(name))
                ratios = [a["ms"] / b["ms"] for a, b in zip(ours, theirs, strict=True)]
                rows.append((name, ours, theirs, quartiles(ratios)))
        finally:
            sharp.close()
    v = sharp.versions
    ours_vips = f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"
    print(f"imgworker (libvips {ours_vips}, in-process) vs sharp {v['sharp']} (libvips {v['vips']}, "
          f"{v['concurrency']} thread/op); {args.runs} interleaved runs, ms")  # fmt: skip
    print("| workload | imgworker ms | sharp ms | ratio | ratio spread | imgworker output | sharp output |")
    print("|---|---:|---:|---:|---|---|---|")
    for name, ours, theirs, (q1, med, q3) in rows:
        a, b = ours[-1], theirs[-1]
        print(
            f"| {name} | {statistics.median(r['ms'] for r in ours):.1f} | "
            f"{statistics.median(r['ms'] for r in theirs):.1f} | {med:.2f} | {q1:.2f}-{q3:.2f} "
            f"| {a['width']}x{a['height']}, {a['bytes']} B | {b['width']}x{b['height']}, {b['bytes']} B |"
        )


if __name__ == "__main__":
    main()
