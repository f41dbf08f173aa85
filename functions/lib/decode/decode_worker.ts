/**
 * A decode worker (a Deno Web Worker started by `pool.ts`): decodes and resizes one upload per
 * message with the same {@link decodeAndResize} the request thread would run, and posts back the
 * small resized image (its buffer transferred, not copied), or for a `/v1/cells` job the located
 * boxes and each cell's small resized crop, or the error. A job that runs past its
 * request's budget is not stopped here: the pool terminates the whole worker and starts another.
 *
 * Protocol: the pool first posts one {@link WorkerInit} (the JPEG codec the service compiled at
 * start-up, so that no worker reads it from `node_modules`: a worker started while `npm ci`
 * reinstalls the packages still decodes JPEG), then a {@link DecodeRequest} per job; the worker
 * answers each with a {@link DecodeReply} of the same `id`, and once at start with
 * {@link WorkerReady} (once its module graph has loaded, before any job).
 *
 * @module
 */
import "./worker_globals.ts"; // first: before the core loads onnxruntime-web
import { getWasmModule, ImageDecodeError, type ImageErrorCode, registerWasmModule } from "../../../model/core/mod.ts";
import { decodeAndResize, type DecodedInput, type DecodeJob } from "./job.ts";
import { idleTrimmer } from "../model/malloc.ts";

/** One job, pool → worker. `bytes` is a copy whose buffer is transferred. */
export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  job: DecodeJob;
}

/**
 * The first message, pool → worker: the main thread's compiled JPEG codec (a `WebAssembly.Module`
 * crosses to a worker without being compiled again), or none, and the worker compiles its own.
 */
export interface WorkerInit {
  init: { jpeg?: WebAssembly.Module };
}

/** An error, as it crosses the thread boundary (`code` for `ImageDecodeError`). */
export interface SerializedError {
  name: string;
  message: string;
  code?: ImageErrorCode;
  stack?: string;
}

/** The answer to one {@link DecodeRequest}, worker → pool. */
export type DecodeReply =
  | { id: number; ok: true; value: DecodedInput }
  | { id: number; ok: false; error: SerializedError };

/** Posted once, when the worker's modules have loaded. */
export interface WorkerReady {
  ready: true;
}

/** The part of a worker's global scope used here (typed without the `deno.worker` lib). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<DecodeRequest | WorkerInit>) => void) | null;
  postMessage(message: DecodeReply | WorkerReady, transfer?: Transferable[]): void;
}

/**
 * Runs one request and builds its reply and transfer list; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PreprocessSpec } from "../../../model/core/mod.ts";
 * const preprocess: PreprocessSpec = { size: 4, crop: "none", resize: "area", channelOrder: "RGB",
 *   alphaBackground: 255, normalization: { mode: "per-image", minStd: 0.01 } };
 * const job = { maxPixels: 1e6, minSide: 16, preprocess };
 * const [ok, transfer] = await handleRequest({ id: 1, bytes: await Deno.readFile("tests/fixtures/images/variant_rgb8.png"), job });
 * assert.ok(ok.ok && ok.value.resized.data.buffer === transfer[0]);
 * // a cells job (`/v1/cells`): every cell's crop is moved back, the empty whole-image one is not
 * const cnmc = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 * const [cells, moved] = await handleRequest({ id: 3, bytes: cnmc, job: { ...job, cells: { maxCells: 8 } } });
 * assert.ok(cells.ok && cells.value.cells?.crops.length === 1 && moved[0] === cells.value.cells.crops[0].data.buffer);
 * const [bad] = await handleRequest({ id: 2, bytes: new TextEncoder().encode("not an image"), job });
 * assert.ok(!bad.ok && bad.error.name === "ImageDecodeError" && bad.error.code === "unsupported_image");
 * ```
 */
export async function handleRequest(req: DecodeRequest): Promise<[DecodeReply, Transferable[]]> {
  try {
    const value = await decodeAndResize(req.bytes, req.job);
    // moved, not copied, when an image owns its whole buffer (toFloatRgb's fresh arrays)
    const transfer: Transferable[] = [];
    for (const { data: { buffer, byteOffset, byteLength } } of [value.resized, ...(value.cells?.crops ?? [])]) {
      const whole = buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength;
      if (whole && byteLength > 0 && !transfer.includes(buffer)) transfer.push(buffer);
    }
    return [{ id: req.id, ok: true, value }, transfer];
  } catch (e) {
    return [{ id: req.id, ok: false, error: serializeError(e) }, []];
  }
}

/**
 * An error as plain data (structured clone keeps neither the class nor `code`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImageDecodeError } from "../../../model/core/mod.ts";
 * const e = serializeError(new ImageDecodeError("too_small", "image is 3×3"));
 * assert.deepEqual([e.name, e.code, e.message], ["ImageDecodeError", "too_small", "image is 3×3"]);
 * assert.equal(serializeError("boom").message, "boom");
 * ```
 */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof ImageDecodeError) return { name: e.name, message: e.message, code: e.code };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: String(e) };
}

/**
 * Takes the pool's {@link WorkerInit}: registers the JPEG codec it carries, or, without one,
 * starts compiling the worker's own from the npm package now, before the first JPEG waits for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getWasmModule } from "../../../model/core/mod.ts";
 * const own = await getWasmModule("jpeg");
 * // the pool's: compiled on the service's thread (here from the package's bytes)
 * const jpeg = await WebAssembly.compile(await Deno.readFile("node_modules/imagescript/wasm/any/jpeg.wasm"));
 * handleInit({ init: { jpeg } });
 * assert.ok(jpeg !== own && (await getWasmModule("jpeg")) === jpeg);
 * ```
 */
export function handleInit(message: WorkerInit): void {
  if (message.init.jpeg) registerWasmModule("jpeg", message.init.jpeg);
  else getWasmModule("jpeg").catch(() => undefined);
}

// Installed only when this module is a worker's main module (or imported by one): in a window
// scope (the service, tests importing `handleRequest`) there is no `WorkerGlobalScope`.
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function") {
  const scope = globalThis as unknown as WorkerScope;
  // A decode of a large image leaves ~100s of MB of dead buffers in this isolate's heap, which only
  // a full GC frees: once the worker has been idle for a second, collect and trim (as the request
  // thread does; `gc` exists under the start task's --expose-gc).
  const trimmer = idleTrimmer(1000);
  scope.onmessage = (e) => {
    if ("init" in e.data) return handleInit(e.data);
    handleRequest(e.data).then(([reply, transfer]) => {
      scope.postMessage(reply, transfer);
      trimmer.touch();
    });
  };
  // Loaded: said before any job is handled (jobs are delivered once this evaluation ends), so a
  // worker that fails before saying it did not load, whatever job was posted to it.
  scope.postMessage({ ready: true });
}
