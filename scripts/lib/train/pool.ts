/**
 * The main thread's side of data-parallel training: starts replicas (worker_threads), spreads
 * decode jobs and batch shards over them, and sums their gradients.
 *
 * @module
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { DecodeJob, Reply, Request, WorkerInit } from "./protocol.ts";
import type { SourceImages } from "./feeder.ts";

/** Summed result of one data-parallel step. */
export interface StepResult {
  /** Gradients (summed over shards) at trainable positions; shard-size-weighted mean of values elsewhere. */
  grads: Float32Array;
  lossSum: number;
  bceSum: number;
  correct: number;
  n: number;
}

/** Inputs of one batch. */
export interface BatchSpec {
  indices: number[];
  labels: number[];
  subtypes: number[];
  sampleWeights: number[];
  /** distillation: the teacher's logit per image (NaN: none, the label alone) */
  teacherLogits?: number[];
  /** a frozen pretrained backbone: only the head's gradients are computed */
  headOnly?: boolean;
  seed: number;
  /** device path: each shard's ({@link shardRanges}) images re-encoded ahead by the feeders */
  sources?: SourceImages[];
}

/**
 * Splits `n` items into `parts` contiguous shards of near-equal size (empty shards dropped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(shardRanges(5, 2), [[0, 3], [3, 5]]);
 * assert.deepEqual(shardRanges(1, 3), [[0, 1]]); // empty shards dropped
 * ```
 */
export function shardRanges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = start + Math.floor(n / parts) + (p < n % parts ? 1 : 0);
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}

/**
 * Worker source that registers tsx's ESM hooks in the new thread, then imports the TypeScript
 * entry. (Node 20 does not carry `--import tsx` hooks into workers: `execArgv` alone fails with
 * "Unknown file extension .ts".)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // WorkerPool starts each replica as `new Worker(source, { eval: true })` from node:worker_threads
 * const source = workerBootstrap("file:///app/scripts/lib/train/worker.ts");
 * assert.match(source, /^import\("file:\/\/\/.*\/tsx\/.*index\.mjs"\)\.then\(\(m\) => \{ m\.register\(\);/);
 * assert.ok(source.includes('import("file:///app/scripts/lib/train/worker.ts")'));
 * ```
 */
export function workerBootstrap(entryUrl: string): string {
  const api =
    pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api").replace(/index\.cjs$/, "index.mjs")).href;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entryUrl)}); })` +
    `.catch((e) => { require("node:worker_threads").parentPort.postMessage({ type: "error", id: -1, message: String(e && e.stack || e) }); });`;
}

/**
 * What a thread runs, seen from the module at `selfUrl`: from TypeScript sources, tsx's bootstrap
 * of `./<name>.ts` (eval'd source); from a bundled build (`.js`, see `scripts/bundle_training.ts`),
 * the sibling bundle `./<name>.js`. `name` is `worker` (a replica) or `feeder_worker` (a feeder).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(replicaEntry("file:///x/dist/train.js"), new URL("file:///x/dist/worker.js")); // bundled
 * assert.equal(typeof replicaEntry("file:///x/scripts/lib/train/pool.ts"), "string"); // tsx bootstrap source
 * assert.deepEqual(replicaEntry("file:///x/dist/train.js", "feeder_worker"), new URL("file:///x/dist/feeder_worker.js"));
 * ```
 */
export function replicaEntry(selfUrl: string, name = "worker"): string | URL {
  return /\.[cm]?ts$/.test(new URL(selfUrl).pathname)
    ? workerBootstrap(new URL(`./${name}.ts`, selfUrl).href)
    : new URL(`./${name}.js`, selfUrl);
}

/**
 * Asks thread `w` to end (`message`) and terminates it if it has not ended after `graceMs`; an error
 * it raises while shutting down is ignored. The training replicas and the feeders end this way.
 *
 * @example Not run as a doc test: it needs a running worker thread (`WorkerPool.close`).
 * ```ts ignore
 * await closeThread(worker, { type: "close" }, 5000);
 * ```
 */
export async function closeThread(w: Worker, message: unknown, graceMs: number): Promise<void> {
  const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
  w.removeAllListeners("error");
  w.on("error", () => {}); // a thread failing while it shuts down changes nothing
  w.postMessage(message);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
  if ((await Promise.race([exited, late])) === "late") await w.terminate();
  clearTimeout(timer);
}

/** A set of replicas. Create with {@link WorkerPool.start}. */
export class WorkerPool {
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly workers: Worker[], readonly backends: string[]) {}

  /** Number of replicas. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `n` replicas and waits until each has its backend and model.
   *
   * @example Not run as a doc test: replicas load the trainer's TypeScript through tsx's hooks,
   * which only Node has (scripts/lib/train/loop.node-test.ts runs a pool; `train` in loop.ts shows
   * the whole use).
   * ```ts ignore
   * import { join } from "node:path";
   * const pool = await WorkerPool.start(2, (i) => ({ ...init, workerIndex: i }));
   * try {
   *   const errors = await pool.decode(items.map((it, i) => ({ index: i, file: join(root, it.path) })));
   *   const step = await pool.step(weights, batch, layout.trainMask); // summed gradients
   *   const { logits } = await pool.predict(weights, valIndices);
   * } finally {
   *   await pool.close();
   * }
   * ```
   */
  static async start(n: number, initFor: (i: number) => WorkerInit): Promise<WorkerPool> {
    const entry = replicaEntry(import.meta.url);
    const ready: Promise<string>[] = [];
    const workers: Worker[] = [];
    for (let i = 0; i < n; i++) {
      const w = typeof entry === "string"
        ? new Worker(entry, { eval: true, workerData: initFor(i) })
        : new Worker(entry, { workerData: initFor(i) });
      workers.push(w);
      ready.push(
        new Promise((resolve, reject) => {
          const onMsg = (m: Reply) => {
            if (m.type === "ready") resolve(m.backend);
            else if (m.type === "error") reject(new Error(m.message));
            else return;
            w.off("message", onMsg);
          };
          w.on("message", onMsg);
          w.once("error", reject);
        }),
      );
    }
    let backends: string[];
    try {
      backends = await Promise.all(ready);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    const pool = new WorkerPool(workers, backends);
    for (const w of workers) {
      w.on("message", (m: Reply) => pool.onReply(m));
      w.on("error", (err) => pool.fail(err instanceof Error ? err : new Error(String(err))));
      w.on("exit", (code) => {
        if (code !== 0) pool.fail(new Error(`a training worker exited with code ${code}`));
      });
    }
    return pool;
  }

  private onReply(m: Reply): void {
    if (m.type === "ready") return;
    if (m.type === "error" && m.id === -1) return this.fail(new Error(m.message));
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === "error") p.reject(new Error(`training worker: ${m.message}`));
    else p.resolve(m);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private request<T extends Reply>(worker: number, req: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set((req as { id: number }).id, { resolve: resolve as (r: Reply) => void, reject });
      this.workers[worker].postMessage(req, transfer);
    });
  }

  /**
   * Decodes every job into the shared cache, spread over the replicas; returns error lines. See
   * the example of {@link WorkerPool.start}.
   */
  async decode(jobs: DecodeJob[], onProgress?: (done: number) => void): Promise<string[]> {
    const chunk = 32;
    let next = 0, done = 0;
    const errors: string[] = [];
    const run = async (w: number) => {
      while (next < jobs.length) {
        const part = jobs.slice(next, next + chunk);
        next += chunk;
        const r = await this.request<Extract<Reply, { type: "decode" }>>(w, {
          type: "decode",
          id: this.nextId++,
          jobs: part,
        });
        errors.push(...r.errors);
        done += part.length;
        onProgress?.(done);
      }
    };
    await Promise.all(this.workers.map((_, w) => run(w)));
    return errors;
  }

  /**
   * One data-parallel gradient computation with the given weights (shards combined by
   * {@link combineReplies}). See the example of {@link WorkerPool.start}.
   */
  async step(weights: Float32Array, batch: BatchSpec, trainMask: Uint8Array): Promise<StepResult> {
    const n = batch.indices.length;
    const shards = shardRanges(n, this.workers.length);
    if (batch.sources && batch.sources.length !== shards.length) {
      throw new Error(`step: re-encoded images for ${batch.sources.length} shards, the batch has ${shards.length}`);
    }
    const replies = await Promise.all(shards.map(([a, b], w) =>
      this.request<Extract<Reply, { type: "step" }>>(w, {
        type: "step",
        id: this.nextId++,
        weights,
        indices: batch.indices.slice(a, b),
        labels: batch.labels.slice(a, b),
        subtypes: batch.subtypes.slice(a, b),
        sampleWeights: batch.sampleWeights.slice(a, b),
        ...(batch.teacherLogits ? { teacherLogits: batch.teacherLogits.slice(a, b) } : {}),
        ...(batch.headOnly ? { headOnly: true } : {}),
        ...(batch.sources ? { sources: batch.sources[w] } : {}),
        batchSize: n,
        seed: batch.seed,
      })
    ));
    return combineReplies(replies, trainMask);
  }

  /**
   * Forward pass (inference mode) over `indices`, spread over the replicas in chunks. See the
   * example of {@link WorkerPool.start}.
   */
  async predict(
    weights: Float32Array,
    indices: number[],
    chunk = 64,
  ): Promise<{ logits: Float32Array; subtypeLogits: Float32Array[] | null }> {
    const logits = new Float32Array(indices.length);
    const subs: (Float32Array | null)[] = new Array(indices.length).fill(null);
    let next = 0;
    const run = async (w: number) => {
      while (next < indices.length) {
        const start = next;
        next += chunk;
        const part = indices.slice(start, start + chunk);
        const r = await this.request<Extract<Reply, { type: "predict" }>>(w, {
          type: "predict",
          id: this.nextId++,
          weights,
          indices: part,
        });
        logits.set(r.logits, start);
        if (r.subtypeLogits) {
          const k = r.subtypeLogits.length / part.length;
          for (let i = 0; i < part.length; i++) subs[start + i] = r.subtypeLogits.slice(i * k, (i + 1) * k);
        }
      }
    };
    await Promise.all(this.workers.map((_, w) => run(w)));
    return { logits, subtypeLogits: subs.every((s) => s !== null) ? subs as Float32Array[] : null };
  }

  /**
   * Stops all replicas: asks each to release its backend and end, and terminates any that has not
   * ended after `graceMs`.
   */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all(this.workers.map((w) => closeThread(w, { type: "close" } satisfies Request, graceMs)));
  }
}

/**
 * Adds the replicas' gradients (each shard's loss is already divided by the whole batch size) at
 * trainable positions and takes the shard-size-weighted mean elsewhere (BN statistics).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const trainMask = new Uint8Array([1, 0]); // a weight, then a batch-norm moving mean
 * const r = combineReplies([
 *   { grads: new Float32Array([0.1, 2]), n: 16, lossSum: 3, bceSum: 2.5, correct: 12 },
 *   { grads: new Float32Array([0.3, 4]), n: 48, lossSum: 9, bceSum: 8, correct: 40 },
 * ], trainMask);
 * // gradients summed, statistics averaged by shard size
 * assert.deepEqual([r.grads[0].toFixed(2), r.grads[1], r.n, r.correct], ["0.40", 3.5, 64, 52]);
 * ```
 */
export function combineReplies(
  replies: Pick<StepResult, "grads" | "lossSum" | "bceSum" | "correct" | "n">[],
  trainMask: Uint8Array,
): StepResult {
  const total = replies.reduce((s, r) => s + r.n, 0);
  const len = trainMask.length;
  const out = new Float32Array(len);
  for (const r of replies) {
    const w = r.n / total, g = r.grads;
    if (g.length !== len) throw new Error(`replica sent ${g.length} values, expected ${len}`);
    for (let i = 0; i < len; i++) out[i] += trainMask[i] === 1 ? g[i] : w * g[i];
  }
  return {
    grads: out,
    lossSum: replies.reduce((s, r) => s + r.lossSum, 0),
    bceSum: replies.reduce((s, r) => s + r.bceSum, 0),
    correct: replies.reduce((s, r) => s + r.correct, 0),
    n: total,
  };
}
