/**
 * Loading and feeding our wasm SIMD kernel modules (`simd/*.wasm`, built from the C beside them by
 * `simd/build.sh`). Each module has its own memory; callers copy inputs in above the module's
 * `heap_base()`, run a kernel on the offsets, and copy results out into arrays they own.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** What every kernel module exports besides its kernels. */
export interface SimdModuleExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
}

/**
 * Instantiates `simd/<name>.wasm`; null where it cannot be read or compiled (a bundle without it,
 * a runtime without wasm SIMD), so callers fall back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const k = loadSimdModule<SimdModuleExports>("batch_norm"); // simd/batch_norm.wasm
 * assert.ok(k !== null && k.heap_base() > 0);
 * assert.equal(loadSimdModule("no_such_kernel"), null); // callers fall back
 * ```
 */
export function loadSimdModule<E extends SimdModuleExports>(name: string): E | null {
  try {
    const bytes = readFileSync(new URL(`./simd/${name}.wasm`, import.meta.url));
    return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as E;
  } catch {
    return null;
  }
}

/**
 * Copies `inputs` one after another from the module's heap base (16-byte aligned), leaves room
 * for outputs of `outLens` floats after them, grows the memory to fit, and returns every buffer's
 * byte offset (inputs first). Throws a RangeError when the memory cannot grow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const k = loadSimdModule<SimdModuleExports>("batch_norm")!;
 * const x = new Float32Array([1, 2, 3]);
 * const [xOff, outOff] = heapLayout(k, [x], [x.length]);
 * assert.deepEqual([xOff % 16, outOff - xOff], [0, 16]); // 12 bytes, padded to 16
 * assert.deepEqual(new Float32Array(k.memory.buffer, xOff, 3), x); // copied in
 * ```
 */
export function heapLayout(k: SimdModuleExports, inputs: Float32Array[], outLens: number[]): number[] {
  const offs: number[] = [];
  let at = (k.heap_base() + 15) & ~15;
  for (const len of [...inputs.map((a) => a.length), ...outLens]) {
    offs.push(at);
    at += (len * 4 + 15) & ~15;
  }
  const have = k.memory.buffer.byteLength;
  if (at > have) k.memory.grow(Math.ceil((at - have) / 65536));
  const heap = new Float32Array(k.memory.buffer);
  inputs.forEach((a, i) => heap.set(a, offs[i] / 4));
  return offs;
}
