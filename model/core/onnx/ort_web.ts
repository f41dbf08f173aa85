/**
 * onnxruntime-web (WebAssembly backend, one thread) set up for the runtime we are in. ort always
 * gets an already compiled `WebAssembly.Module`:
 *
 * - Workers (workerd): compiling wasm from bytes is forbidden, so the entry registers the
 *   precompiled module (`registerWasmModule("ort", mod)`).
 * - Deno / Node: {@link compileOrtWasm} reads the npm package's 14 MB `.wasm` file and compiles
 *   it with `WebAssembly.compile` (off the main thread; the bytes are dropped afterwards, where
 *   they used to stay alive as `env.wasm.wasmBinary`). `functions/deno.ts` starts it before it
 *   even imports the app, so compiling overlaps module loading.
 *
 * ort 1.30 has no option that takes a `WebAssembly.Module`; its Emscripten loader calls
 * `WebAssembly.instantiate(bytes, imports)` with the bytes given as `wasmBinary`. We hand it a
 * small marker instead of the real bytes and answer that one call with
 * `new WebAssembly.Instance(compiledModule, imports)`. Any other `instantiate` call goes to the
 * original function.
 *
 * @module
 */
import * as ort from "onnxruntime-web/wasm";
import {
  getWasmModule,
  hasRegisteredWasmModule,
  readWasmBytes,
  registerWasmModule,
  WASM_ASSETS,
} from "../wasm/assets.ts";

export { ort };

/** Bytes ort receives as `wasmBinary` in Workers: a wasm header plus a custom-section marker. */
const MARKER = new Uint8Array([
  0,
  0x61,
  0x73,
  0x6d,
  1,
  0,
  0,
  0,
  0,
  9,
  8,
  0x61,
  0x6c,
  0x6c,
  0x2d,
  0x6f,
  0x72,
  0x74,
  0x21,
]);

let ready: Promise<typeof ort> | undefined;
let compiling: Promise<WebAssembly.Module> | undefined;

/**
 * Compiles ort's wasm once (or returns the module the Workers entry registered) and registers it
 * as `"ort"`. Call it as early as possible: compiling runs on V8's background threads, so the
 * main thread can load modules and read the model meanwhile. {@link initOrt} calls it too.
 *
 * @example
 * ```ts
 * const compiling = compileOrtWasm(); // at the top of the entry, not awaited
 * // ... load the rest of the app and read the model meanwhile ...
 * if (!((await compiling) instanceof WebAssembly.Module)) throw new Error("a compiled module");
 * ```
 */
export function compileOrtWasm(): Promise<WebAssembly.Module> {
  if (hasRegisteredWasmModule("ort")) return getWasmModule("ort");
  compiling ??= compileFromPackage().then((mod) => {
    registerWasmModule("ort", mod);
    return mod;
  }, (err) => {
    compiling = undefined;
    throw err;
  });
  return compiling;
}

function compileFromPackage(): Promise<WebAssembly.Module> {
  // Async compile of the bytes (not compileStreaming: measured +30 MB RSS in Deno 2.9 for the
  // same module); the bytes are garbage once compiled, V8 keeps its own copy. In Deno the file is
  // read synchronously (14 MB, a few ms) so that compiling starts at once on V8's background
  // threads, even while the main thread is still busy evaluating modules.
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = deno.readFileSync(new URL(import.meta.resolve(WASM_ASSETS.ort)));
    } catch (err) {
      return Promise.reject(
        new Error(`cannot read ${WASM_ASSETS.ort} (${(err as Error).message}); run "npm ci" in the project root first`),
      );
    }
    return WebAssembly.compile(bytes);
  }
  return readWasmBytes("ort").then((bytes) => WebAssembly.compile(bytes));
}

/**
 * Configures ort once (single thread, wasm source) and returns the module. Safe to call many times.
 * Only `session.ts` calls it: sessions are opened there and nowhere else.
 *
 * @example
 * ```ts
 * const ortApi = await initOrt();
 * if (ortApi.env.wasm.numThreads !== 1) throw new Error("one thread, as in the service");
 * ```
 */
export function initOrt(): Promise<typeof ort> {
  ready ??= setUp().catch((err) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

async function setUp(): Promise<typeof ort> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = "error";
  const compiled = await compileOrtWasm();
  patchInstantiate(compiled);
  ort.env.wasm.wasmBinary = MARKER;
  return ort;
}

function isMarker(src: unknown): boolean {
  const bytes = src instanceof Uint8Array ? src : src instanceof ArrayBuffer ? new Uint8Array(src) : undefined;
  return !!bytes && bytes.length === MARKER.length && bytes.every((v, i) => v === MARKER[i]);
}

function patchInstantiate(compiled: WebAssembly.Module): void {
  const original = WebAssembly.instantiate.bind(WebAssembly);
  const patched = (src: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (isMarker(src)) {
      return Promise.resolve({ instance: new WebAssembly.Instance(compiled, imports), module: compiled });
    }
    return (original as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(src, imports);
  };
  (WebAssembly as unknown as { instantiate: unknown }).instantiate = patched;
}
