/**
 * onnxruntime-web (wasm, one thread) for the offline pipeline under Node/tsx and Deno: the same
 * runtime the service uses, loaded from the installed npm package.
 *
 * @module
 */
import * as ort from "onnxruntime-web/wasm";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export { ort };

let ready: Promise<typeof ort> | undefined;

async function wasmBytes(): Promise<Uint8Array> {
  const candidates: string[] = [];
  try {
    const req = createRequire(import.meta.url);
    candidates.push(join(dirname(req.resolve("onnxruntime-web/package.json")), "dist", "ort-wasm-simd-threaded.wasm"));
  } catch { /* resolved below from the repository root */ }
  candidates.push(
    join(
      dirname(fileURLToPath(import.meta.url)),
      "../../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
    ),
  );
  for (const p of candidates) {
    try {
      return new Uint8Array(await readFile(p));
    } catch { /* try the next */ }
  }
  throw new Error(
    `cannot find ort-wasm-simd-threaded.wasm (looked in ${candidates.join(", ")}); is onnxruntime-web installed?`,
  );
}

/**
 * Configures onnxruntime-web once (single thread, wasm bytes from node_modules) and returns it.
 *
 * @example
 * ```ts
 * const ortWeb = await initOrtWeb();
 * const session = await ortWeb.InferenceSession.create(bytes);
 * ```
 */
export function initOrtWeb(): Promise<typeof ort> {
  ready ??= (async () => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = "error";
    ort.env.wasm.wasmBinary = await wasmBytes();
    return ort;
  })().catch((err) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

/** Named float outputs of one run. */
export type RunOutputs = Record<string, { dims: number[]; data: Float32Array }>;

/**
 * Runs `bytes` (an ONNX model) on one NCHW float input with onnxruntime-web and returns float outputs.
 *
 * @example
 * ```ts
 * const out = await runOnnx(bytes, "image", [1, 3, 32, 32], input);
 * out.logit.data[0];
 * ```
 */
export async function runOnnx(
  bytes: Uint8Array,
  inputName: string,
  dims: number[],
  input: Float32Array,
  session?: import("onnxruntime-web/wasm").InferenceSession,
): Promise<RunOutputs> {
  const o = await initOrtWeb();
  const s = session ?? await o.InferenceSession.create(bytes, { graphOptimizationLevel: "all", logSeverityLevel: 3 });
  try {
    const res = await s.run({ [inputName]: new o.Tensor("float32", input, dims) });
    const out: RunOutputs = {};
    for (const [k, v] of Object.entries(res)) out[k] = { dims: [...v.dims], data: v.data as Float32Array };
    return out;
  } finally {
    if (!session) await s.release();
  }
}
