/**
 * WebAssembly binaries the app needs (onnxruntime-web's runtime, imagescript's JPEG codec),
 * obtained the way each runtime allows:
 *
 * - Workers (workerd): code generation from bytes is blocked, so the entry imports each `.wasm`
 *   as a compiled `WebAssembly.Module` and registers it here with {@link registerWasmModule}.
 * - Deno and Node: nothing is registered; the bytes are read from the installed npm package and
 *   compiled on first use.
 *
 * @module
 */
import { readLocalFile } from "../util/read_file.ts";

/** The binaries, by name. */
export const WASM_ASSETS = {
  /** onnxruntime-web 1.30 SIMD build (also used single-threaded). */
  ort: "onnxruntime-web/ort-wasm-simd-threaded.wasm",
  /** imagescript 1.3.1 JPEG decoder. */
  jpeg: "imagescript/wasm/any/jpeg.wasm",
} as const;

/** Name of a registered binary. */
export type WasmAssetName = keyof typeof WASM_ASSETS;

const modules = new Map<WasmAssetName, WebAssembly.Module>();
const pending = new Map<WasmAssetName, Promise<WebAssembly.Module>>();

/**
 * Registers an already compiled module (Workers entry).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // functions/worker.ts imports the `.wasm` file, which workerd hands over as a compiled module;
 * // here the module is compiled from the installed package instead.
 * const jpegWasm = await WebAssembly.compile(await readWasmBytes("jpeg"));
 * registerWasmModule("jpeg", jpegWasm);
 * assert.ok(hasRegisteredWasmModule("jpeg"));
 * assert.equal(await getWasmModule("jpeg"), jpegWasm);
 * ```
 */
export function registerWasmModule(name: WasmAssetName, module: WebAssembly.Module): void {
  modules.set(name, module);
}

/** Whether {@link getWasmModule} can answer without touching the file system. */
export function hasRegisteredWasmModule(name: WasmAssetName): boolean {
  return modules.has(name);
}

/**
 * The compiled module for `name`: the registered one, else compiled from the npm package's file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const mod = await getWasmModule("jpeg"); // compiled from the npm package on first use
 * assert.ok(WebAssembly.Module.exports(mod).length > 0);
 * assert.equal(await getWasmModule("jpeg"), mod); // then cached
 * ```
 */
export function getWasmModule(name: WasmAssetName): Promise<WebAssembly.Module> {
  const ready = modules.get(name);
  if (ready) return Promise.resolve(ready);
  let p = pending.get(name);
  if (!p) {
    p = readWasmBytes(name).then((bytes) => {
      const mod = new WebAssembly.Module(bytes);
      modules.set(name, mod);
      return mod;
    });
    p.catch(() => pending.delete(name));
    pending.set(name, p);
  }
  return p;
}

/** The raw bytes of `name`, read from the installed npm package (Deno, Node). */
export async function readWasmBytes(name: WasmAssetName): Promise<Uint8Array<ArrayBuffer>> {
  const url = new URL(import.meta.resolve(WASM_ASSETS[name]));
  try {
    return await readLocalFile(url);
  } catch (err) {
    throw new Error(
      `cannot read ${WASM_ASSETS[name]} (${(err as Error).message}); run "npm ci" in the project root first`,
    );
  }
}
