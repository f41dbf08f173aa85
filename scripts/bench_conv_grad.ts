/**
 * Per-layer timing of the three convolution kernels of a training step (forward, filter gradient,
 * input gradient) on one backend, at the conv shapes of one of our architectures. Shows which
 * kernel sets the step time, e.g. tfjs-webgpu's stock filter gradient against ours
 * (`--filter-grad split,conv,stock` times each, see `lib/tfjs/webgpu_kernels.ts`).
 *
 * ```sh
 * deno task bench:conv --backend webgpu [--arch small-gap] [--width 1] [--size 128] [--batch 64] [--reps 10]
 *   [--filter-grad split,conv,stock]
 * ```
 *
 * Each time is the median over `reps` runs of the kernel, synchronised by reading one value back
 * (`scripts/lib/bench/conv_grad.ts`).
 *
 * @module
 */
import type { Architecture } from "./lib/models/architectures.ts";
import type { BackendName } from "./lib/tfjs/backend.ts";
import { cliArgs, numberFlag } from "./lib/run/cli.ts";

const a = cliArgs({
  name: "bench_conv_grad.ts",
  usage: `Usage: deno task bench:conv [options]
  (node --import tsx scripts/bench_conv_grad.ts …)
  --backend B        auto | tfjs-node-gpu | tfjs-node | webgpu | wasm | cpu (auto)
  --arch A           small-gap | original (small-gap)
  --width X          small-gap's width multiplier (1)
  --size N           input side (128)
  --batch N          batch size (64)
  --reps N           timed runs per kernel; the median is shown (10)
  --filter-grad V,…  webgpu: filter-gradient implementations to compare: split, conv, stock (split)
Prints one row per conv layer: forward, filter-gradient and input-gradient milliseconds.`,
  example: "deno task bench:conv --backend webgpu --filter-grad split,conv,stock",
  options: {
    backend: { type: "string", default: "auto" },
    arch: { type: "string", default: "small-gap" },
    width: { type: "string" },
    size: { type: "string" },
    batch: { type: "string" },
    reps: { type: "string" },
    "filter-grad": { type: "string" },
  },
}, (v) => ({
  backend: v.backend as BackendName,
  arch: v.arch as Architecture,
  width: numberFlag(v.width, "width", { min: 0, fallback: 1 }),
  size: numberFlag(v.size, "size", { integer: true, min: 8, fallback: 128 }),
  batch: numberFlag(v.batch, "batch", { integer: true, min: 1, fallback: 64 }),
  reps: numberFlag(v.reps, "reps", { integer: true, min: 1, fallback: 10 }),
  filterGrad: v["filter-grad"],
}));

const { selectBackend } = await import("./lib/tfjs/backend.ts");
const { benchConvGrad, convShapes } = await import("./lib/bench/conv_grad.ts");

const backend = await selectBackend(a.backend);
const { arch, width, size, batch, reps } = a;
// webgpu: compare filter-gradient implementations in one process (webgpu_kernels.ts reads this per call)
const variants = backend === "webgpu" ? (a.filterGrad ?? "split").split(",") : [""];
for (const variant of variants) {
  if (variant) process.env.TFJS_WEBGPU_FILTER_GRAD = variant;
  console.log(
    `${backend}${variant ? ` (filter gradient: ${variant})` : ""}: ${arch}${
      width === 1 ? "" : ` (width ${width})`
    } at ${size} px, batch ${batch}, median of ${reps}`,
  );
  console.log("layer      input              filter        s   fwd ms  dW ms   dX ms");
  let f = 0, dw = 0, dx = 0;
  for (const r of await benchConvGrad(convShapes(arch, size, batch, width), reps)) {
    f += r.forwardMs, dw += r.filterGradMs, dx += r.inputGradMs;
    console.log(
      `${r.name.padEnd(10)} ${r.input.join("x").padEnd(18)} ${r.filter.join("x").padEnd(13)} ${r.strides} ${
        r.forwardMs.toFixed(2).padStart(7)
      } ${r.filterGradMs.toFixed(2).padStart(7)} ${r.inputGradMs.toFixed(2).padStart(7)}`,
    );
  }
  console.log(
    `${"total".padEnd(46)} ${f.toFixed(2).padStart(7)} ${dw.toFixed(2).padStart(7)} ${dx.toFixed(2).padStart(7)}`,
  );
}
process.exit(0);
