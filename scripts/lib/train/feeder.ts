/**
 * The feeder threads of the device data path, seen from the training main thread. On the device
 * path the GPU augments, but one step of the trainer's recipe still needs CPU work: the images
 * re-encoded as JPEG at the source's resolution (`--aug-jpeg-source`, about 4 ms each). The
 * feeders do that work for the next `depth` steps while the replica trains on the current one
 * ({@link Prefetcher}), so the GPU does not wait for one JavaScript thread.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import type { AugmentOptions } from "./augment.ts";
import { closeThread, replicaEntry } from "./pool.ts";

/** `workerData` of every feeder. */
export interface FeederInit {
  spec: PreprocessSpec;
  augment: AugmentOptions;
  /** Source file of every cached item (index order). */
  files: string[];
}

/** A shard's images re-encoded at the source's resolution: position in the shard, 8-bit RGB. */
export type SourceImages = { k: number; rgb: Uint8Array }[];

/** Requests to a feeder. */
export type FeederRequest =
  | { type: "sources"; id: number; seed: number; indices: number[] }
  | { type: "close" };

/** Replies of a feeder. */
export type FeederReply =
  | { type: "ready" }
  | { type: "sources"; id: number; sources: SourceImages }
  | { type: "error"; id: number; message: string };

/** Feeder threads. Create with {@link FeederPool.start}. */
export class FeederPool {
  private nextId = 1;
  private turn = 0;
  private pending = new Map<number, { resolve: (s: SourceImages) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on("message", (m: FeederReply) => this.onReply(m));
      w.on("error", (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
      w.on("exit", (code) => code !== 0 && this.fail(new Error(`a feeder thread exited with code ${code}`)));
    }
  }

  /** Number of threads. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `n` feeder threads and waits until each is ready.
   *
   * @example Not run as a doc test: the threads load TypeScript through tsx's hooks, which only
   * Node has (scripts/lib/train/loop.node-test.ts trains on the device path with feeders).
   * ```ts ignore
   * const feeders = await FeederPool.start(4, { spec, augment, files });
   * try {
   *   const images = await feeders.sources(stepSeed, shardIndices); // what the replica's shard needs
   * } finally {
   *   await feeders.close();
   * }
   * ```
   */
  static async start(n: number, init: FeederInit): Promise<FeederPool> {
    const entry = replicaEntry(import.meta.url, "feeder_worker");
    const workers = Array.from(
      { length: n },
      () =>
        typeof entry === "string"
          ? new Worker(entry, { eval: true, workerData: init })
          : new Worker(entry, { workerData: init }),
    );
    try {
      await Promise.all(workers.map((w) =>
        new Promise<void>((resolve, reject) => {
          const onMsg = (m: FeederReply | { type: "error"; id: -1; message: string }) => {
            if (m.type === "ready") resolve();
            else if (m.type === "error") reject(new Error(`feeder thread failed to start: ${m.message}`));
            else return;
            w.off("message", onMsg);
          };
          w.on("message", onMsg);
          w.once("error", reject);
        })
      ));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new FeederPool(workers);
  }

  private onReply(m: FeederReply): void {
    if (m.type === "ready") return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === "error") p.reject(new Error(`feeder: ${m.message}`));
    else p.resolve(m.sources);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** The re-encoded images of one replica shard of the step seeded `seed` (threads take turns). */
  sources(seed: number, indices: number[]): Promise<SourceImages> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const w = this.workers[this.turn++ % this.workers.length];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ type: "sources", id, seed, indices } satisfies FeederRequest);
    });
  }

  /** Stops every thread (terminating any that has not ended after `graceMs`). */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all(this.workers.map((w) => closeThread(w, { type: "close" } satisfies FeederRequest, graceMs)));
  }
}

/**
 * Keeps the work of the next `depth` steps in flight: `get(b)` returns step b's result, starting
 * it if needed, and starts steps b+1 … b+depth. Steps are numbered from 0; `make` starts one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const started: number[] = [];
 * const ahead = new Prefetcher(2, 5, async (b) => (started.push(b), b * 10));
 * assert.equal(await ahead.get(0), 0);
 * assert.deepEqual(started, [0, 1, 2]); // two steps ahead
 * assert.equal(await ahead.get(1), 10);
 * assert.deepEqual(started, [0, 1, 2, 3]);
 * assert.equal(await ahead.get(4), 40); // never past the last step
 * assert.deepEqual(started, [0, 1, 2, 3, 4]);
 * ```
 */
export class Prefetcher<T> {
  private started = new Map<number, Promise<T>>();

  /** `count` steps in all, each started by `make`. */
  constructor(
    private readonly depth: number,
    private readonly count: number,
    private readonly make: (b: number) => Promise<T>,
  ) {}

  private start(b: number): void {
    if (b < this.count && !this.started.has(b)) {
      const p = this.make(b);
      p.catch(() => {}); // awaited by get(b); an early failure must not be an unhandled rejection
      this.started.set(b, p);
    }
  }

  /** Step `b`'s result; steps b+1 … b+depth start now. */
  get(b: number): Promise<T> {
    for (let i = b; i <= b + this.depth; i++) this.start(i);
    const p = this.started.get(b)!;
    this.started.delete(b);
    return p;
  }
}
