/**
 * The one place that opens ONNX sessions, for the service, export parity, evaluation and
 * benchmarks alike (as onnxruntime-web's backend interface or transformers.js's
 * `backends/onnx.js` keep one such module). Two backends:
 *
 * - `web`: onnxruntime-web, wasm SIMD, one thread: what the service runs (Deno, Workers, Node).
 *   Its global set-up (thread count, the precompiled wasm) is done once by `ort_web.ts`.
 * - `node`: onnxruntime-node, native CPU, for offline work over many images (Node only). It is
 *   loaded on first use through a name bundlers do not follow, so the Workers bundle never sees it.
 *
 * **The int8-on-native rule:** onnxruntime-node 1.30's `extended`/`all` graph fusions returned
 * wrong logits (≈ constant) for a full-range int8 QDQ export (all-v1: x86 CPUs without VNNI
 * saturate u8×s8 products); the 7-bit exports since agree at every level, but the hazard is the
 * CPU's, not the model's. `basic` matches onnxruntime-web exactly everywhere, so `node` defaults
 * to `basic`, and a QDQ model above `basic` on `node` is refused unless `allowNativeInt8Fusion`
 * says the caller wants exactly that (export measures native-vs-web agreement with it).
 *
 * Runs on one session are serialised (one at a time), outputs are copied out of onnxruntime's
 * buffers and its tensors disposed, so callers only ever see plain `Float32Array`s.
 *
 * @module
 */
import { initOrt, type ort } from "./ort_web.ts";

/** Which onnxruntime runs the model. */
export type OnnxBackend = "web" | "node";

/** onnxruntime's graph optimisation levels. */
export type OptimizationLevel = "disabled" | "basic" | "extended" | "all";

/** A float32 tensor in or out of a session. */
export interface OnnxTensor {
  dims: readonly number[];
  data: Float32Array;
}

/** Options for {@link createSession}. */
export interface SessionOptions {
  /** Default `web` (the service's runtime). */
  backend?: OnnxBackend;
  /** Default: `all` on `web`, `basic` on `node` (see the int8-on-native rule above). */
  optimization?: OptimizationLevel;
  /**
   * Threads for one operator, `node` only (default 1: the machine is shared; 0: onnxruntime's
   * default, one per core). `web` always uses 1.
   */
  threads?: number;
  /** Allow a QDQ (int8) model above `basic` on `node`, knowing its logits may be wrong. */
  allowNativeInt8Fusion?: boolean;
  /** `node` only: also write the optimised graph here (to see which ops a level produces). */
  optimizedModelPath?: string;
}

/** An open session. */
export interface OnnxSession {
  readonly backend: OnnxBackend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the model on `feeds` and returns the float32 outputs named in `fetches` (default: all
   * outputs; outputs of other types are left out).
   */
  run(feeds: Record<string, OnnxTensor>, fetches?: readonly string[]): Promise<Record<string, OnnxTensor>>;
  /** Waits for the runs in flight and frees the session. */
  close(): Promise<void>;
}

type Ort = typeof ort;

/** onnxruntime-node, named through a variable so that bundlers (wrangler/esbuild) leave it alone. */
const NODE_ORT = "onnxruntime-node";

let nativeOrt: Promise<Ort> | undefined;

function loadBackend(backend: OnnxBackend): Promise<Ort> {
  if (backend === "web") return initOrt();
  nativeOrt ??= (import(NODE_ORT) as Promise<Ort>).catch((err) => {
    nativeOrt = undefined;
    throw new Error(
      `cannot load onnxruntime-node (${(err as Error).message}); the "node" backend runs under Node.js ` +
        `with "npm ci" done, use backend "web" elsewhere`,
    );
  });
  return nativeOrt;
}

const QDQ_MARKER = new TextEncoder().encode("QuantizeLinear");

/**
 * Whether an ONNX model holds quantize/dequantize nodes (an int8 QDQ export).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isQdqModel(await Deno.readFile("model/all-v4.int8.onnx")), true);
 * assert.equal(isQdqModel(await Deno.readFile("model/all-v4.float.onnx")), false);
 * ```
 */
export function isQdqModel(bytes: Uint8Array): boolean {
  outer: for (let i = 0; i + QDQ_MARKER.length <= bytes.length; i++) {
    for (let j = 0; j < QDQ_MARKER.length; j++) if (bytes[i + j] !== QDQ_MARKER[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Opens a session on an ONNX model's bytes.
 *
 * @example
 * ```ts
 * const session = await createSession(await Deno.readFile("tests/fixtures/models/tiny.int8.onnx"));
 * const out = await session.run({ image: { dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32) } }, ["logit"]);
 * if (out.logit.data.length !== 1) throw new Error("one logit per image");
 * await session.close();
 * ```
 */
export async function createSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<OnnxSession> {
  const backend = options.backend ?? "web";
  const optimization = options.optimization ?? (backend === "web" ? "all" : "basic");
  if (
    backend === "node" && (optimization === "extended" || optimization === "all") &&
    !options.allowNativeInt8Fusion && isQdqModel(bytes)
  ) {
    throw new RangeError(
      `onnxruntime-node at "${optimization}" returns wrong logits for int8 QDQ models; use "basic" ` +
        `(the default on node) or the "web" backend`,
    );
  }
  const o = await loadBackend(backend);
  if (backend === "web") {
    // Creating the first session runs ~0.5 s of synchronous wasm (ort's start-up, kernel
    // registration): let the event loop answer pending requests (health checks) first.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  const session = await o.InferenceSession.create(bytes, {
    graphOptimizationLevel: optimization,
    logSeverityLevel: 3,
    ...(backend === "web" ? { executionProviders: ["wasm"] } : {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: "sequential" as const,
      executionProviders: ["cpu"],
      ...(options.optimizedModelPath ? { optimizedModelFilePath: options.optimizedModelPath } : {}),
    }),
  });
  let queue: Promise<unknown> = Promise.resolve();

  const runOnce = async (feeds: Record<string, OnnxTensor>, fetches?: readonly string[]) => {
    const inputs: Record<string, InstanceType<Ort["Tensor"]>> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new o.Tensor("float32", t.data, [...t.dims]);
    const out = fetches ? await session.run(inputs, [...fetches]) : await session.run(inputs);
    try {
      const result: Record<string, OnnxTensor> = {};
      for (const [name, t] of Object.entries(out)) {
        if (t.type !== "float32") continue;
        result[name] = { dims: t.dims.map(Number), data: Float32Array.from(t.data as Float32Array) };
      }
      return result;
    } finally {
      for (const t of Object.values(out)) t.dispose?.();
    }
  };

  return {
    backend,
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    run(feeds, fetches) {
      const next = queue.then(() => runOnce(feeds, fetches));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      await session.release();
    },
  };
}

/**
 * Opens a session, runs it once on `feeds` and closes it: for tests and one-off checks.
 *
 * @example
 * ```ts
 * const bytes = await Deno.readFile("tests/fixtures/models/tiny.float.onnx");
 * const out = await runModel(bytes, { image: { dims: [2, 3, 32, 32], data: new Float32Array(2 * 3 * 32 * 32) } });
 * if (out.logit.dims[0] !== 2) throw new Error("a logit per image");
 * ```
 */
export async function runModel(
  bytes: Uint8Array,
  feeds: Record<string, OnnxTensor>,
  options: SessionOptions & { fetches?: readonly string[] } = {},
): Promise<Record<string, OnnxTensor>> {
  const session = await createSession(bytes, options);
  try {
    return await session.run(feeds, options.fetches);
  } finally {
    await session.close();
  }
}
