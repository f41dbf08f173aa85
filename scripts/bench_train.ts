/**
 * Training throughput benchmark: images/second of full data-parallel training steps (augment +
 * forward + backward + gradient exchange + Adam) on synthetic cached images.
 *
 * ```sh
 * deno task bench:train [--archs small-gap,original] [--widths 1,0.5] [--sizes 96,128]
 *   [--backends wasm,cpu] [--workers 1,2] [--batch 32] [--seconds 20] [--data-paths host,device]
 *   [--augment default|recipe]
 * ```
 *
 * Backends default to every one `selectBackend` can start here (besides `auto`). Prints a table.
 * One configuration's measurement: `scripts/lib/bench/train_step.ts`.
 *
 * @module
 */
import { loadavg } from "node:os";
import type { TrainArch } from "./lib/models/create.ts";
import type { BackendName } from "./lib/tfjs/backend.ts";
import type { BenchAugment, BenchRow } from "./lib/bench/train_step.ts";
import type { DataPath } from "./lib/train/protocol.ts";
import { cliArgs, numberFlag } from "./lib/run/cli.ts";

const a = cliArgs({
  name: "bench_train.ts",
  usage: `Usage: deno task bench:train [options]
  (node --import tsx scripts/bench_train.ts …)
  --archs A,B      architectures (small-gap,original; also mobilenetv2, inceptionv3: nsfwjs's pretrained backbones)
  --widths X,Y     small-gap's width multipliers (1)
  --sizes N,M      input sides (96,128)
  --backends B,C   backends (every one that starts here, besides auto)
  --workers N,M    replica counts (1,2)
  --batch N        batch size (32)
  --seconds S      timed seconds per configuration (20; cpu at most 10)
  --data-paths P,Q where batches are augmented and normalised: host (JavaScript), device (tfjs ops) (host)
  --augment A      default (the trainer's colour jitter) or recipe (all-v6's members' augmentation and
                   input, without the source-size JPEG) (default)
Prints a table: images/second, and images per CPU-second (a contention-free estimate per core).`,
  example: "deno task bench:train --backends wasm --sizes 96 --workers 1,2 --seconds 10",
  options: {
    archs: { type: "string" },
    widths: { type: "string" },
    sizes: { type: "string" },
    backends: { type: "string" },
    workers: { type: "string" },
    batch: { type: "string" },
    seconds: { type: "string" },
    "data-paths": { type: "string" },
    augment: { type: "string" },
  },
}, (v) => ({
  ...v,
  batch: numberFlag(v.batch, "batch", { integer: true, min: 1, fallback: 32 }),
  seconds: numberFlag(v.seconds, "seconds", { min: 0, fallback: 20 }),
}));

const tf = await import("@tensorflow/tfjs");
const { ARCHITECTURES } = await import("./lib/models/architectures.ts");
const { TRAIN_ARCHS } = await import("./lib/models/create.ts");
const { BACKEND_NAMES, selectBackend } = await import("./lib/tfjs/backend.ts");
const { benchTrain } = await import("./lib/bench/train_step.ts");

const list = (v: string | undefined, d: string) => (v ?? d).split(",").map((s) => s.trim()).filter(Boolean);
const archs = list(a.archs, ARCHITECTURES.join(",")) as TrainArch[];
for (const x of archs) {
  if (!TRAIN_ARCHS.includes(x)) throw new Error(`unknown arch ${x}; use ${TRAIN_ARCHS.join(", ")}`);
}
let backends = list(a.backends, "") as BackendName[];
if (backends.length === 0) {
  for (const b of BACKEND_NAMES.filter((n) => n !== "auto")) {
    try {
      await selectBackend(b);
      backends.push(b);
    } catch { /* not available here */ }
  }
}
backends = backends.filter((b) => BACKEND_NAMES.includes(b));
await tf.setBackend("cpu");
const sizes = list(a.sizes, "96,128").map(Number);
const widths = list(a.widths, "1").map(Number);
const workers = list(a.workers, "1,2").map(Number);
const { batch, seconds } = a;
const dataPaths = list(a["data-paths"], "host") as DataPath[];
for (const p of dataPaths) {
  if (p !== "host" && p !== "device") throw new Error(`unknown data path ${p}; use host, device`);
}
const augment = (a.augment ?? "default") as BenchAugment;
if (augment !== "default" && augment !== "recipe") throw new Error(`--augment: default or recipe, got ${augment}`);
process.stderr.write(
  `load average at start: ${loadavg().map((l) => l.toFixed(2)).join(" ")}; backends: ${backends.join(", ")}\n`,
);
const rows: BenchRow[] = [];
const header = "backend   arch        width size workers batch data   augment steps   img/s  img/cpu-s";
console.log(header);
for (const backend of backends) {
  for (const arch of archs) {
    // width multipliers apply to small-gap only
    for (const width of arch === "small-gap" ? widths : [1]) {
      for (const size of sizes) {
        for (const w of workers) {
          for (const dataPath of dataPaths) {
            const r = await benchTrain({
              dataPath,
              augment,
              backend,
              arch,
              width,
              size,
              workers: w,
              batch,
              seconds: backend === "cpu" ? Math.min(seconds, 10) : seconds,
            });
            rows.push(r);
            console.log(
              `${r.backend.padEnd(9)} ${r.arch.padEnd(11)} ${String(r.width).padStart(5)} ${
                String(r.size).padStart(4)
              } ${String(r.workers).padStart(7)} ${String(r.batch).padStart(5)} ${r.dataPath.padEnd(6)} ${
                r.augment.padEnd(7)
              } ${String(r.steps).padStart(5)} ${r.imgPerSec.toFixed(1).padStart(7)} ${
                r.imgPerCpuSec.toFixed(1).padStart(10)
              }`,
            );
          }
        }
      }
    }
  }
}
process.stderr.write(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
