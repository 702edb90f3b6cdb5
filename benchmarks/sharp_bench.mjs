// Side-by-side reference for benchmarks/render_vs_sharp.py: times sharp (npm, libvips 8.17) on the
// same inputs and workloads. Usage: node benchmarks/sharp_bench.mjs WORKDIR RUNS
// Prints one JSON object: {"workload": {"median_ms": .., "width": .., "height": .., "bytes": ..}, ...}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "package.json"));
const sharp = require("sharp");
const [dir, runsText] = process.argv.slice(2);
const runs = Number(runsText || 7);
const img = (name) => readFileSync(path.join(dir, name));
const big = img("24mp.jpg"), mid = img("3mp.jpg"), face = img("face.jpg"), alpha = img("alpha.png");
const blurSigma = Number(JSON.parse(readFileSync(path.join(dir, "params.json"))).blur_sigma);

const workloads = {
  "24mp_crop_300_jpeg": () => sharp(big).resize(300, 300, { fit: "cover" }).jpeg({ quality: 75, progressive: true }),
  "24mp_1200_webp": () => sharp(big).resize(1200).webp({ quality: 75 }),
  "3mp_crop_entropy_300": () => sharp(mid).resize(300, 300, { fit: "cover", position: "entropy" }).jpeg({ quality: 75, progressive: true }),
  "3mp_crop_faces_300": () => sharp(face).resize(300, 300, { fit: "cover", position: "attention" }).jpeg({ quality: 75, progressive: true }),
  "alpha_png_to_jpeg": () => sharp(alpha).flatten({ background: "#ffffff" }).jpeg({ quality: 75, progressive: true }),
  "24mp_blur_200_full": () => sharp(big).blur(blurSigma).jpeg({ quality: 75, progressive: true }),
};

const out = {};
for (const [name, make] of Object.entries(workloads)) {
  await make().toBuffer(); // warm-up
  const times = [];
  let info;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const { data, info: inf } = await make().toBuffer({ resolveWithObject: true });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    info = { width: inf.width, height: inf.height, bytes: data.length };
  }
  times.sort((a, b) => a - b);
  out[name] = { median_ms: times[Math.floor(times.length / 2)], ...info };
}
console.log(JSON.stringify(out));
