// Side-by-side reference for benchmarks/render_vs_sharp.py: times sharp (npm) on the same inputs and
// workloads, one run per request so that the Python side can interleave its own runs with sharp's.
// Usage: node benchmarks/sharp_bench.mjs WORKDIR, then one workload name per line on stdin; each line
// is answered with one JSON line {"ms": .., "width": .., "height": .., "bytes": ..} (ms: in-process
// time of that one run, from the sharp() call to the encoded buffer). The first line printed is
// {"sharp": version, "vips": version, "concurrency": threads per op}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";

const require = createRequire(path.join(process.cwd(), "package.json"));
const sharp = require("sharp");
const [dir] = process.argv.slice(2);
const img = (name) => readFileSync(path.join(dir, name));
const big = img("24mp.jpg"), mid = img("3mp.jpg"), face = img("face.jpg"), alpha = img("alpha.png");
const blurSigma = Number(JSON.parse(readFileSync(path.join(dir, "params.json"))).blur_sigma);
const jpeg = { quality: 75, progressive: true };

const workloads = {
  "24mp_crop_300_jpeg": () => sharp(big).resize(300, 300, { fit: "cover" }).jpeg(jpeg),
  "24mp_1200_webp": () => sharp(big).resize(1200).webp({ quality: 75 }),
  "3mp_crop_entropy_300": () => sharp(mid).resize(300, 300, { fit: "cover", position: "entropy" }).jpeg(jpeg),
  "3mp_crop_faces_300": () => sharp(face).resize(300, 300, { fit: "cover", position: "attention" }).jpeg(jpeg),
  "alpha_png_to_jpeg": () => sharp(alpha).flatten({ background: "#ffffff" }).jpeg(jpeg),
  "24mp_blur_200_full": () => sharp(big).blur(blurSigma).jpeg(jpeg),
};

console.log(JSON.stringify({ sharp: sharp.versions.sharp, vips: sharp.versions.vips, concurrency: sharp.concurrency() }));
const lines = readline.createInterface({ input: process.stdin });
for await (const name of lines) {
  const make = workloads[name.trim()];
  if (!make) {
    console.log(JSON.stringify({ error: `unknown workload ${name}` }));
    continue;
  }
  const t = process.hrtime.bigint();
  const { data, info } = await make().toBuffer({ resolveWithObject: true });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(JSON.stringify({ ms, width: info.width, height: info.height, bytes: data.length }));
}
