/**
 * The filter gradient of a 2-D convolution (NHWC) by our own wasm SIMD kernel
 * (`simd/filter_grad.c`, built by `simd/build.sh`, the `.wasm` committed beside it): a GEMM per
 * filter tap with a 4×8 register tile, run on copies of the inputs in the kernel's own memory.
 * Feature-detected: {@link loadSimdFilterGrad} returns null where the `.wasm` cannot be read or
 * compiled (a bundle without it, a runtime without wasm SIMD), and callers fall back.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** Geometry of one filter-gradient call (NHWC input, HWIO filter). */
export interface FilterGradShape {
  /** Input [N, H, W, Ci]. */
  x: readonly [number, number, number, number];
  /** Output gradient [N, Ho, Wo, Co]. */
  dy: readonly [number, number, number, number];
  /** Filter height and width. */
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  /** Padding before the first row / column. */
  padTop: number;
  padLeft: number;
}

/** A loaded kernel: `run` returns dW as [kh, kw, Ci, Co]. */
export interface SimdFilterGrad {
  run(x: Float32Array, dy: Float32Array, shape: FilterGradShape): Float32Array;
}

interface Exports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  filter_grad(
    x: number,
    dy: number,
    out: number,
    n: number,
    h: number,
    w: number,
    ci: number,
    ho: number,
    wo: number,
    co: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
}

let loaded: SimdFilterGrad | null | undefined;

/**
 * Loads the kernel once per thread; null when it is unavailable here.
 *
 * @example
 * ```ts
 * const k = loadSimdFilterGrad();
 * const dw = k?.run(x, dy, { x: [16, 24, 24, 24], dy: [16, 24, 24, 24], kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1 });
 * ```
 */
export function loadSimdFilterGrad(): SimdFilterGrad | null {
  if (loaded !== undefined) return loaded;
  try {
    const bytes = readFileSync(new URL("./simd/filter_grad.wasm", import.meta.url));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
    loaded = wrap(exports);
  } catch {
    loaded = null;
  }
  return loaded;
}

function wrap(k: Exports): SimdFilterGrad {
  const base = (k.heap_base() + 15) & ~15;
  return {
    run(x, dy, s) {
      const [n, h, w, ci] = s.x;
      const [dn, ho, wo, co] = s.dy;
      if (dn !== n || x.length !== n * h * w * ci || dy.length !== n * ho * wo * co) {
        throw new RangeError(`filter gradient: x ${s.x} / dy ${s.dy} do not match their data`);
      }
      const outLen = s.kh * s.kw * ci * co;
      const xOff = base, dyOff = xOff + x.length * 4, outOff = dyOff + dy.length * 4;
      const need = outOff + outLen * 4;
      const have = k.memory.buffer.byteLength;
      if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
      const heap = new Float32Array(k.memory.buffer);
      heap.set(x, xOff / 4);
      heap.set(dy, dyOff / 4);
      k.filter_grad(
        xOff,
        dyOff,
        outOff,
        n,
        h,
        w,
        ci,
        ho,
        wo,
        co,
        s.kh,
        s.kw,
        s.strideH,
        s.strideW,
        s.padTop,
        s.padLeft,
      );
      return new Float32Array(k.memory.buffer, outOff, outLen).slice();
    },
  };
}
