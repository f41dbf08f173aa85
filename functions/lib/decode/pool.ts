/**
 * A small pool of Deno Web Workers that decode and resize uploads off the request thread, so that
 * a slow or hostile image cannot stop the other requests (health checks included) and the request
 * budget really ends it: a job still running when its request's signal aborts has its worker
 * terminated and replaced, and the request answers at once (503 `timeout` from the budget).
 *
 * - Each worker (`decode_worker.ts`) runs one job at a time. When all are busy, jobs wait in a
 *   queue of at most `maxQueued` (beyond it: 503 `timeout`, "busy"); a waiting job's budget keeps
 *   running, and a job whose signal aborts while it waits leaves the queue.
 * - Workers start lazily (first job) or on {@link DecodePool.warm}, which the Deno entry calls once
 *   the model is ready, so they never delay start-up.
 * - Where workers cannot be created (no `Worker` constructor: Cloudflare Workers, Node; or a host
 *   that refuses to load one), the pool decodes on the request thread ({@link inThreadDecoder}),
 *   and says so once through `log`.
 * - Each worker gets the JPEG codec the pool compiled on this thread (its first message), so no
 *   worker reads it from `node_modules`; a replacement worker that cannot load at all (its packages
 *   being reinstalled by `npm ci`) hands its job back to be decoded on the request thread, whose
 *   modules and codecs are all loaded, rather than failing it.
 * - Errors thrown in a worker come back as the same class: an `ImageDecodeError` keeps its code and
 *   message, so the HTTP status mapping is unchanged.
 *
 * @module
 */
import { getWasmModule, ImageDecodeError } from "../../../model/core/mod.ts";
import { ApiError } from "../http/errors.ts";
import type { DecodeReply, DecodeRequest, SerializedError, WorkerInit, WorkerReady } from "./decode_worker.ts";
import { type DecodedInput, type DecodeJob, type ImageDecoder, inThreadDecoder } from "./job.ts";

/** Settings of {@link createDecodePool}. */
export interface DecodePoolOptions {
  /** Number of workers (≥ 1). */
  size: number;
  /** Most jobs waiting for a worker (default 64); more get 503 `timeout` at once. */
  maxQueued?: number;
  /** The worker's module (default `decode_worker.ts`; tests pass one with extra hooks). */
  workerUrl?: URL;
  /** Where the pool reports a replaced worker or its fallback to in-thread decoding. */
  log?: (record: Record<string, unknown>) => void;
}

/** Counters, for metrics, logs and tests. */
export interface DecodePoolStats {
  /** `workers`: jobs go to workers; `in-thread`: workers are unavailable here; `closed`. */
  mode: "workers" | "in-thread" | "closed";
  /** Workers alive now. */
  alive: number;
  /** Jobs running in a worker now. */
  running: number;
  /** Jobs waiting for a worker. */
  queued: number;
  /** Workers started since the pool was made. */
  started: number;
  /** Workers terminated because their job overran its budget (each was replaced). */
  terminated: number;
  /** Jobs finished by a worker (decoded or refused). */
  completed: number;
}

/** The decode pool: an {@link ImageDecoder} with a life cycle. */
export interface DecodePool extends ImageDecoder {
  /**
   * Starts every worker now instead of on first use; resolves once all have loaded (or the pool
   * fell back to in-thread decoding, or closed). Never rejects.
   */
  warm(): Promise<void>;
  /** Counters and mode. */
  stats(): DecodePoolStats;
  /** Rejects what is queued or running and terminates every worker; later jobs are refused. */
  close(): Promise<void>;
}

interface Job {
  id: number;
  /** The caller's bytes (never transferred: a fallback decodes them here). */
  bytes: Uint8Array;
  job: DecodeJob;
  signal?: AbortSignal;
  onAbort?: () => void;
  resolve(value: DecodedInput): void;
  reject(reason: unknown): void;
}

interface Slot {
  worker?: Worker;
  /** The worker has loaded and said so. */
  ready: boolean;
  job?: Job;
}

/** Callbacks waiting for every slot to hold a loaded worker (see `warm`). */
type Waiter = () => void;

const DEFAULT_WORKER = new URL("./decode_worker.ts", import.meta.url);

/**
 * Makes a pool of `size` decode workers (none started yet).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PreprocessSpec } from "../../../model/core/mod.ts";
 * const preprocess: PreprocessSpec = { size: 8, crop: "none", resize: "area", channelOrder: "RGB",
 *   alphaBackground: 255, normalization: { mode: "per-image", minStd: 0.01 } };
 * // functions/deno.ts: createDecodePool({ size: config.decodeWorkers, log }), passed to createApp({ decoder })
 * const pool = createDecodePool({ size: 1 });
 * try {
 *   const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 *   const out = await pool.decode(bytes, { maxPixels: 1e6, minSide: 16, preprocess }, AbortSignal.timeout(10_000));
 *   assert.deepEqual([out.format, out.width, out.resized.width], ["png", 450, 8]);
 *   assert.equal(pool.stats().completed, 1);
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export function createDecodePool(options: DecodePoolOptions): DecodePool {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new RangeError(`decode pool size must be an integer ≥ 1, got ${options.size}`);
  }
  const maxQueued = options.maxQueued ?? 64;
  const url = options.workerUrl ?? DEFAULT_WORKER;
  const log = options.log ?? (() => {});
  const slots: Slot[] = Array.from({ length: options.size }, () => ({ ready: false }));
  const queue: Job[] = [];
  let nextId = 1;
  let mode: DecodePoolStats["mode"] = typeof Worker === "function" ? "workers" : "in-thread";
  let everReady = false;
  // the JPEG codec, compiled here once and handed to every worker (see the module doc)
  let jpeg: WebAssembly.Module | undefined;
  const codecs = mode === "workers"
    ? getWasmModule("jpeg").then((m) => void (jpeg = m), () => undefined)
    : Promise.resolve();
  const counts = { started: 0, terminated: 0, completed: 0 };
  let waiters: Waiter[] = [];
  const wake = () => {
    if (mode === "workers" && slots.some((s) => s.worker && !s.ready)) return; // one is loading
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  const fallBack = (reason: string) => {
    if (mode !== "workers") return;
    mode = "in-thread";
    log({ ts: new Date().toISOString(), level: "warn", event: "decode_workers_unavailable", message: reason });
    for (const slot of slots) stop(slot);
    // what was waiting for a worker is decoded here instead
    for (const job of [...slots.flatMap((s) => (s.job ? [s.job] : [])), ...queue.splice(0)]) runInThread(job);
    for (const slot of slots) slot.job = undefined;
    wake();
  };

  const runInThread = (job: Job) => {
    settle(job);
    inThreadDecoder.decode(job.bytes, job.job, job.signal).then(job.resolve, job.reject);
  };

  /** Detaches a finished (or abandoned) job from its signal. */
  const settle = (job: Job) => {
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
    job.onAbort = undefined;
  };

  const stop = (slot: Slot) => {
    slot.worker?.terminate();
    slot.worker = undefined;
    slot.ready = false;
  };

  const start = (slot: Slot): Worker | undefined => {
    if (slot.worker) return slot.worker;
    let worker: Worker;
    try {
      worker = new Worker(url, { type: "module" });
    } catch (e) {
      fallBack(
        `workers cannot be created here (${
          e instanceof Error ? e.message : String(e)
        }); decoding on the request thread`,
      );
      return undefined;
    }
    counts.started++;
    slot.worker = worker;
    slot.ready = false;
    const init: WorkerInit = { init: jpeg ? { jpeg } : {} };
    worker.postMessage(init); // first: delivered before any job
    worker.onmessage = (e: MessageEvent<DecodeReply | WorkerReady>) => {
      if (slot.worker !== worker) return;
      const data = e.data;
      if ("ready" in data) {
        slot.ready = true;
        everReady = true;
        wake();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== data.id) return;
      slot.job = undefined;
      counts.completed++;
      settle(job);
      if (data.ok) job.resolve(data.value);
      else job.reject(deserializeError(data.error));
      dispatch();
    };
    const failed = (message: string) => {
      if (slot.worker !== worker) return;
      const job = slot.job;
      const loaded = slot.ready;
      slot.job = undefined;
      stop(slot);
      if (!everReady) {
        // never got one worker going: this runtime (or host) does not run them
        if (job) queue.unshift(job);
        fallBack(`the decode worker failed to start (${message}); decoding on the request thread`);
        return;
      }
      log({ ts: new Date().toISOString(), level: "error", event: "decode_worker_failed", message });
      if (job && !loaded) {
        // it never reached the worker, which failed to load (e.g. `npm ci` is reinstalling its
        // packages): decoded here, where every module is loaded, instead of failing the request
        runInThread(job);
      } else if (job) {
        settle(job);
        job.reject(new Error(`decode worker failed: ${message}`));
      }
      if (loaded) start(slot); // replaced; one that failed while loading is retried by the next job
      wake();
      dispatch();
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // an uncaught error in a worker must not take the service down
      failed(e.message);
    };
    worker.onmessageerror = () => failed("a message from the worker could not be read");
    return worker;
  };

  const dispatch = () => {
    if (mode !== "workers") return;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.job) continue;
      const worker = start(slot);
      if (!worker) return; // fell back: the queue was drained in-thread
      const job = queue.shift()!;
      slot.job = job;
      // a copy of exactly these bytes, whose buffer moves to the worker (a multipart part is a
      // view into the whole body, which must not be cloned, nor taken from the caller)
      const bytes = job.bytes.slice();
      const request: DecodeRequest = { id: job.id, bytes, job: job.job };
      worker.postMessage(request, [bytes.buffer]);
    }
  };

  const abort = (job: Job) => {
    settle(job);
    const reason = job.signal?.reason;
    const queued = queue.indexOf(job);
    if (queued >= 0) {
      queue.splice(queued, 1);
    } else {
      const slot = slots.find((s) => s.job === job);
      if (slot) {
        slot.job = undefined;
        stop(slot);
        counts.terminated++;
        log({
          ts: new Date().toISOString(),
          level: "warn",
          event: "decode_worker_terminated",
          message: "a decode overran its request's budget; its worker was terminated and is being replaced",
        });
        start(slot); // the replacement loads while idle
      }
    }
    job.reject(reason);
    dispatch();
  };

  return {
    decode(bytes, job, signal) {
      if (mode === "closed") {
        return Promise.reject(new ApiError(503, "shutting_down", "the server is stopping; retry on another instance"));
      }
      if (mode === "in-thread") return inThreadDecoder.decode(bytes, job, signal);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (queue.length >= maxQueued) {
        return Promise.reject(
          new ApiError(
            503,
            "timeout",
            `the server is busy: ${queue.length} images are already waiting to be decoded; retry later`,
          ),
        );
      }
      return new Promise<DecodedInput>((resolve, reject) => {
        const entry: Job = { id: nextId++, bytes, job, signal, resolve, reject };
        if (signal) {
          entry.onAbort = () => abort(entry);
          signal.addEventListener("abort", entry.onAbort, { once: true });
        }
        queue.push(entry);
        dispatch();
      });
    },
    warm() {
      return codecs.then(() => {
        for (const slot of slots) if (mode !== "workers" || !start(slot)) break;
        const loaded = new Promise<void>((resolve) => waiters.push(resolve));
        wake();
        return loaded;
      });
    },
    stats() {
      return {
        mode,
        alive: slots.filter((s) => s.worker).length,
        running: slots.filter((s) => s.job).length,
        queued: queue.length,
        ...counts,
      };
    },
    close() {
      if (mode === "closed") return Promise.resolve();
      mode = "closed";
      const closed = new ApiError(503, "shutting_down", "the server is stopping; retry on another instance");
      for (const slot of slots) {
        stop(slot);
        if (slot.job) {
          settle(slot.job);
          slot.job.reject(closed);
          slot.job = undefined;
        }
      }
      for (const job of queue.splice(0)) {
        settle(job);
        job.reject(closed);
      }
      wake();
      return Promise.resolve();
    },
  };
}

/**
 * Rebuilds an error that crossed from a worker: `ImageDecodeError` with its code (so it maps to the
 * same 4xx), anything else as an `Error` with the worker's name, message and stack.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImageDecodeError } from "../../../model/core/mod.ts";
 * const e = deserializeError({ name: "ImageDecodeError", code: "corrupt_image", message: "png: bad CRC" });
 * assert.ok(e instanceof ImageDecodeError && e.code === "corrupt_image" && e.message === "png: bad CRC");
 * assert.equal(deserializeError({ name: "RangeError", message: "x" }).name, "RangeError");
 * ```
 */
export function deserializeError(e: SerializedError): Error {
  if (e.name === "ImageDecodeError" && e.code) return new ImageDecodeError(e.code, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}
