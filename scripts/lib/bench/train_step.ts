/**
 * Training throughput: images/second of full data-parallel training steps (augment + forward +
 * backward + gradient exchange + Adam) on synthetic cached images, for one configuration
 * (`deno task bench:train`, scripts/bench_train.ts, runs a grid of them).
 *
 * @module
 */
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import { createModel, type TrainArch } from "../models/create.ts";
import { isPretrained } from "../models/pretrained.ts";
import type { BackendName } from "../tfjs/backend.ts";
import { adamStep, newAdamState } from "../train/adam.ts";
import { type AugmentOptions, DEFAULT_AUGMENT } from "../train/augment.ts";
import type { DataPath } from "../train/protocol.ts";
import { WorkerPool } from "../train/pool.ts";
import { makeRng } from "../train/rng.ts";
import { readWeights, weightLayout } from "../train/weights.ts";

/** Which augmentation a benchmark runs. */
export type BenchAugment = "default" | "recipe";

/**
 * all-v6's members' augmentation (docs/TRAINING.md) without the source-size JPEG (synthetic cached
 * images have no source file; that step is host work, done ahead by the device path's feeders).
 */
export const RECIPE_AUGMENT: AugmentOptions = {
  ...DEFAULT_AUGMENT,
  greyscale: 0,
  tone: { curve: 0.8, chroma: 0.8, minArea: 0.64, minScale: 0.7 },
};

/** One measured configuration. */
export interface BenchRow {
  backend: string;
  arch: TrainArch;
  /** small-gap's width multiplier (1 for other architectures). */
  width: number;
  size: number;
  workers: number;
  batch: number;
  /** Where batches were augmented and normalised. */
  dataPath: DataPath;
  /** `default`: the trainer's default colour jitter; `recipe`: all-v6's members' augmentation and input. */
  augment: BenchAugment;
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
    arch: TrainArch;
    width?: number;
    size: number;
    workers: number;
    batch: number;
    seconds: number;
    dataPath?: DataPath;
    augment?: BenchAugment;
  },
): Promise<BenchRow> {
  const dataPath = o.dataPath ?? "host", which = o.augment ?? "default";
  const pretrained = isPretrained(o.arch);
  const spec: PreprocessSpec = {
    size: o.size,
    crop: "none",
    resize: "area",
    // pretrained backbones take RGB / 255 as they were trained; ours the recipe's input
    normalization: pretrained
      ? { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] }
      : { mode: "per-image", minStd: which === "recipe" ? 0.01 : 0.02 },
    channelOrder: "RGB",
    alphaBackground: 0,
    ...(which === "recipe" ? { whiteBalance: { brightFraction: 0.02 } } : {}),
    ...(which === "recipe" && !pretrained ? { colorMode: "relative-chroma" as const } : {}),
  };
  const nImages = 64;
  const cache = new SharedArrayBuffer(nImages * o.size * o.size * 3 * 2);
  const view = new Uint16Array(cache), rng = makeRng(1);
  for (let i = 0; i < view.length; i++) view[i] = Math.floor(rng() * 65535);
  const width = o.width ?? 1;
  const model = await createModel(o.arch, { size: o.size, subtypes: 4, seed: 1, width });
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
    augment: which === "recipe" ? RECIPE_AUGMENT : DEFAULT_AUGMENT,
    subtypeLossWeight: 0.5,
    cache,
    dataPath,
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
      dataPath,
      augment: which,
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
