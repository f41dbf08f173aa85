/**
 * Training throughput benchmark: images/second of full data-parallel training steps (augment +
 * forward + backward + gradient exchange + Adam) on synthetic cached images.
 *
 * ```sh
 * tsx scripts/bench_train.ts [--archs small-gap,original] [--widths 1,0.5] [--sizes 96,128]
 *   [--backends wasm,cpu] [--workers 1,2] [--batch 32] [--seconds 20]
 * ```
 *
 * Backends default to every one `selectBackend` can start here (besides `auto`). Prints a table.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { PreprocessSpec } from "../model/core/mod.ts";
import { type Architecture, ARCHITECTURES, buildModel } from "./lib/models/architectures.ts";
import { BACKEND_NAMES, type BackendName, selectBackend } from "./lib/tfjs/backend.ts";
import { adamStep, newAdamState } from "./lib/train/adam.ts";
import { DEFAULT_AUGMENT } from "./lib/train/augment.ts";
import { WorkerPool } from "./lib/train/pool.ts";
import { makeRng } from "./lib/train/rng.ts";
import { readWeights, weightLayout } from "./lib/train/weights.ts";

/** One measured configuration. */
export interface BenchRow {
  backend: string;
  arch: Architecture;
  /** small-gap's width multiplier (1 for other architectures). */
  width: number;
  size: number;
  workers: number;
  batch: number;
  steps: number;
  imgPerSec: number;
  /** Images per second of CPU time consumed by this process and its workers (contention-free estimate per core). */
  imgPerCpuSec: number;
}

/**
 * Measures training steps for one configuration for about `seconds` (at least 2 timed steps).
 *
 * @example Not run as a doc test: it trains for `seconds` on replicas that only Node can start
 * (tsx's worker hooks); `deno task bench:train` runs it.
 * ```ts ignore
 * const row = await benchTrain({ backend: "wasm", arch: "small-gap", size: 96, workers: 2, batch: 32, seconds: 20 });
 * console.log(`${row.imgPerSec.toFixed(1)} images/s, ${row.imgPerCpuSec.toFixed(1)} per CPU second`);
 * ```
 */
export async function benchTrain(
  o: {
    backend: BackendName;
    arch: Architecture;
    width?: number;
    size: number;
    workers: number;
    batch: number;
    seconds: number;
  },
): Promise<BenchRow> {
  const spec: PreprocessSpec = {
    size: o.size,
    crop: "none",
    resize: "area",
    normalization: { mode: "per-image", minStd: 0.02 },
    channelOrder: "RGB",
    alphaBackground: 0,
  };
  const nImages = 64;
  const cache = new SharedArrayBuffer(nImages * o.size * o.size * 3 * 2);
  const view = new Uint16Array(cache), rng = makeRng(1);
  for (let i = 0; i < view.length; i++) view[i] = Math.floor(rng() * 65535);
  const width = o.width ?? 1;
  const model = buildModel(o.arch, { size: o.size, subtypes: 4, seed: 1, width });
  const layout = weightLayout(model);
  let weights = readWeights(model);
  model.dispose();
  const adam = newAdamState(layout.total);
  const pool = await WorkerPool.start(o.workers, (i) => ({
    workerIndex: i,
    arch: o.arch,
    width,
    spec,
    subtypes: 4,
    seed: 1,
    backend: o.backend,
    augment: DEFAULT_AUGMENT,
    subtypeLossWeight: 0.5,
    cache,
  }));
  try {
    const step = async (k: number) => {
      const indices = Array.from({ length: o.batch }, (_, i) => (k * o.batch + i) % nImages);
      const r = await pool.step(weights, {
        indices,
        labels: indices.map((i) => i % 2),
        subtypes: indices.map((i) => i % 4),
        sampleWeights: indices.map(() => 1),
        seed: k,
      }, layout.trainMask);
      const next = weights.slice();
      for (let i = 0; i < next.length; i++) if (layout.trainMask[i] === 0) next[i] = r.grads[i];
      adamStep(next, r.grads, adam, { lr: 1e-3 }, layout.trainMask);
      weights = next;
    };
    await step(0); // warm-up: operator creation, first allocations
    await step(1);
    const t0 = performance.now();
    const c0 = processCpu();
    let steps = 0;
    while (steps < 2 || (performance.now() - t0) / 1000 < o.seconds) await step(2 + steps++);
    const wall = (performance.now() - t0) / 1000;
    const cpu = processCpu() - c0;
    return {
      backend: pool.backends[0],
      arch: o.arch,
      width,
      size: o.size,
      workers: o.workers,
      batch: o.batch,
      steps,
      imgPerSec: (steps * o.batch) / wall,
      imgPerCpuSec: (steps * o.batch) / cpu,
    };
  } finally {
    await pool.close();
  }
}

/** CPU seconds used by this process (all threads, workers included). */
function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

if (import.meta.main ?? /bench_train\.[jt]s$/.test(process.argv[1] ?? "")) {
  const { values: a } = parseArgs({
    options: {
      archs: { type: "string" },
      widths: { type: "string" },
      sizes: { type: "string" },
      backends: { type: "string" },
      workers: { type: "string" },
      batch: { type: "string" },
      seconds: { type: "string" },
    },
  });
  const list = (v: string | undefined, d: string) => (v ?? d).split(",").map((s) => s.trim()).filter(Boolean);
  const archs = list(a.archs, ARCHITECTURES.join(",")) as Architecture[];
  for (const x of archs) {
    if (!ARCHITECTURES.includes(x)) throw new Error(`unknown arch ${x}; use ${ARCHITECTURES.join(", ")}`);
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
  const batch = Number(a.batch ?? 32), seconds = Number(a.seconds ?? 20);
  process.stderr.write(
    `load average at start: ${loadavg().map((l) => l.toFixed(2)).join(" ")}; backends: ${backends.join(", ")}\n`,
  );
  const rows: BenchRow[] = [];
  const header = "backend   arch       width size workers batch steps   img/s  img/cpu-s";
  console.log(header);
  for (const backend of backends) {
    for (const arch of archs) {
      // width multipliers apply to small-gap only
      for (const width of arch === "small-gap" ? widths : [1]) {
        for (const size of sizes) {
          for (const w of workers) {
            const r = await benchTrain({
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
              `${r.backend.padEnd(9)} ${r.arch.padEnd(10)} ${String(r.width).padStart(5)} ${
                String(r.size).padStart(4)
              } ${String(r.workers).padStart(7)} ${String(r.batch).padStart(5)} ${String(r.steps).padStart(5)} ${
                r.imgPerSec.toFixed(1).padStart(7)
              } ${r.imgPerCpuSec.toFixed(1).padStart(10)}`,
            );
          }
        }
      }
    }
  }
  process.stderr.write(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
}
