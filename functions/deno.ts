/**
 * Deno entry: `deno task start` (or `deno run -A functions/deno.ts`). Serves the app on
 * HOST:PORT at once (readyz answers 503 until the model and the image codecs have loaded), logs one
 * JSON line when listening, one when ready and one per warning about the model (a card without its
 * input-domain check: `functions/lib/model/warnings.ts`), and shuts down gracefully on SIGINT/SIGTERM (in-flight requests
 * finish, the model and the decode workers are released). The cell classifier of `/v1/cells` (`CELL_MODEL`) loads once
 * the field model is ready, off the readiness path; when it is missing the service still serves (`/v1/cells` answers 503
 * `cells_unavailable`, `/readyz` warns).
 *
 * @module
 */
// First: starts compiling onnxruntime-web's 14 MB wasm on background threads while the rest of
// the module graph evaluates, and tunes malloc (see docs/PERFORMANCE.md).
import "./lib/model/preload.ts";
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./lib/config.ts";
import { getWasmModule, loadModelFile, type ModelRuntime } from "../model/core/mod.ts";
import { warmUp } from "./lib/predict/warmup.ts";
import { openKvStore } from "./lib/feedback/kv.ts";
import { createMemoryStore } from "./lib/feedback/store.ts";
import { createDrain } from "./lib/http/drain.ts";
import { idleTrimmer, trimMalloc } from "./lib/model/malloc.ts";
import { createDecodePool, type DecodePool } from "./lib/decode/pool.ts";
import { modelWarningLogs } from "./lib/model/warnings.ts";
import { cellModelProblem, openCellModel } from "./lib/cells/model.ts";

/** A running server. */
export interface Server {
  /** The port actually bound (useful with PORT=0). */
  port: number;
  /** Resolves when the model is loaded and, with warm-up, the decode workers too (rejects if the model failed). */
  ready: Promise<ModelRuntime>;
  /** Stops accepting, lets in-flight requests finish, releases the model. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** Start-up switches of {@link serve}. */
export interface ServeOptions {
  /**
   * Run one prediction on a synthetic image before declaring ready, and start the decode workers
   * just after (default true; env `WARMUP=0` turns it off in {@link main}): readiness then costs
   * ~100–200 ms more CPU, and the first real request is not the one that pays for V8 compiling
   * the kernels or for starting a worker.
   */
  warmUp?: boolean;
}

/**
 * Starts the service with `config` (no signal handlers: see {@link main}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./lib/config.ts";
 * const config = loadConfig({
 *   HOST: "127.0.0.1",
 *   PORT: "0", // any free port
 *   MODEL: "tests/fixtures/models/tiny.int8.onnx",
 *   FEEDBACK_DB: ":memory:",
 * });
 * const server = serve(config, () => {}, { warmUp: false });
 * try {
 *   await server.ready;
 *   const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
 *   assert.equal(res.status, 200);
 *   await res.body?.cancel();
 * } finally {
 *   await server.shutdown();
 * }
 * ```
 */
export function serve(
  config: Config,
  log = (r: Record<string, unknown>) => console.log(JSON.stringify(r)),
  options: ServeOptions = {},
): Server {
  const started = performance.now();
  // Memory freed by start-up and by each burst of requests goes back to the system once the
  // service is quiet (a full GC and a heap trim, ~20 ms: never on the request path).
  const trimmer = idleTrimmer(1000);
  // One prediction on a synthetic image before declaring ready: the first run of a fresh process
  // pays for V8 compiling ort's kernels and our own code (measured 300–450 ms for the first
  // request on a busy 2-core machine otherwise); a readiness probe should not send traffic there.
  const ready = loadModelFile(config.modelPath).then(async (m) => {
    // Everything a request needs from node_modules is loaded before ready, never per request: the
    // JPEG codec (its compile started in preload.ts) is the one binary read on first use otherwise,
    // and \`npm ci\` under a running service would then fail every JPEG until it finished.
    await getWasmModule("jpeg").catch(async (err) => {
      await m.close();
      throw err;
    });
    const warmUpMs = options.warmUp === false ? 0 : await warmUp(m, { predictions: 1, inferences: 0 });
    trimMalloc(); // ort's start-up leaves ~20 MB freed but resident (3–6 ms)
    trimmer.touch(); // and the GC'd rest a second later, unless requests come first
    log({
      ts: new Date().toISOString(),
      level: "info",
      event: "model_ready",
      model: { id: m.card.id, version: m.card.version, sha256: m.card.sha256 },
      coldStartMs: Math.round(performance.now() - started),
      warmUpMs: Math.round(warmUpMs),
      rssBytes: Deno.memoryUsage().rss,
    });
    // once, at start-up: a model without its input-domain check (also in /readyz and /v1/model)
    for (const line of modelWarningLogs(m.card)) log(line);
    return m;
  });
  // Uploads are decoded off the request thread (a slow decode cannot stall other requests, and one
  // past the budget is terminated). The workers start once the model is ready (never competing
  // with start-up), or on first use without warm-up.
  const decoder: DecodePool | undefined = config.decodeWorkers > 0
    ? createDecodePool({ size: config.decodeWorkers, log })
    : undefined;
  // What `serve` reports as ready: the model, and (with warm-up) the decode workers loaded, so that a
  // caller's first upload does not wait for a worker to start. Bounded: a worker that never loads
  // makes the pool fall back to decoding in-thread, and this stops waiting after 30 s regardless.
  const servedReady = options.warmUp !== false && decoder
    ? ready.then(async (m) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([decoder.warm(), new Promise<void>((r) => (timer = setTimeout(r, 30_000)))]);
      clearTimeout(timer);
      return m;
    })
    : ready;
  servedReady.catch(() => {}); // a failed load is logged and answered by /readyz; callers see it on `ready`
  // The cell classifier of /v1/cells (CELL_MODEL): a missing file is known at once (the app logs it
  // and /readyz warns from the start); otherwise it loads once the field model is ready, off the
  // readiness path (a /v1/cells request meanwhile waits for it), with one warm-up run.
  const missingCells = cellModelProblem(config.cellModelPath);
  const cells: Promise<ModelRuntime> = missingCells
    ? Promise.reject(new Error(missingCells))
    : ready.catch(() => undefined).then(async () => {
      const m = await openCellModel(config.cellModelPath);
      if (options.warmUp !== false) {
        await m.run(new Float32Array(3 * m.card.preprocess.size ** 2)).catch(async (err) => {
          await m.close();
          throw new Error(`CELL_MODEL=${config.cellModelPath}: its warm-up run failed: ${err}`);
        });
      }
      log({
        ts: new Date().toISOString(),
        level: "info",
        event: "cell_model_ready",
        model: { id: m.card.id, version: m.card.version, sha256: m.card.sha256 },
      });
      return m;
    });
  cells.catch(() => {}); // the app logs why and answers /v1/cells with 503 cells_unavailable
  // audit trail + feedback on Deno KV; without KV (no --unstable-kv, bad path) in memory, logged
  const feedback = openKvStore(config.feedbackDb).catch((err) => {
    log({ ts: new Date().toISOString(), level: "error", event: "feedback_store_in_memory", message: String(err) });
    return createMemoryStore();
  });
  const drain = createDrain(); // Deno's shutdown() alone would cut in-flight uploads
  const app = createApp({ model: ready, cells, config, log, feedback, decoder, stopping: () => drain.draining });
  let port = config.port;
  const handler = drain.wrap(async (req: Request, info: Deno.ServeHandlerInfo) => {
    try {
      return await app.fetch(req, info); // info (the peer address) is Hono's env: rate limiting reads it
    } finally {
      trimmer.touch();
    }
  });
  const httpServer = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: (addr) => {
      port = addr.port;
      log({ ts: new Date().toISOString(), level: "info", event: "listening", host: addr.hostname, port: addr.port });
    },
  }, handler);
  port = (httpServer.addr as Deno.NetAddr).port;
  const shutdown = async () => {
    trimmer.stop();
    await drain.drain(config.shutdownGraceMs);
    await httpServer.shutdown();
    await ready.then((m) => m.close(), () => {});
    await cells.then((m) => m.close(), () => {});
    await decoder?.close();
    await (await feedback).close();
  };
  return { port, ready: servedReady, shutdown, finished: httpServer.finished };
}

/**
 * Reads the environment, serves, and stops cleanly on SIGINT/SIGTERM.
 *
 * @example Not run as a doc test: it serves until the process gets a signal.
 * ```ts ignore
 * if (import.meta.main) await main();
 * ```
 */
export async function main(): Promise<void> {
  const server = serve(loadConfig(Deno.env.toObject()), undefined, { warmUp: Deno.env.get("WARMUP") !== "0" });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ ts: new Date().toISOString(), level: "info", event: "shutdown", signal }));
    server.shutdown().finally(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  await server.finished;
}

if (import.meta.main) await main();
