/**
 * Convolution gradients (NHWC) by our own wasm SIMD kernels (`simd/conv_grad.c`, built by
 * `simd/build.sh`, the `.wasm` committed beside it), run on copies of the inputs in the kernels'
 * own memory:
 *
 * - filter gradient: a GEMM per filter tap, 4 input × 8 output channels in registers, over blocks
 *   of about 64 output pixels;
 * - input gradient (used for strided convs): four same-phase pixels × 8 input channels in
 *   registers, each output-gradient value broadcast once.
 *
 * Feature-detected: {@link loadSimdConvGrad} returns null where the `.wasm` cannot be read or
 * compiled (a bundle without it, a runtime without wasm SIMD), and callers fall back.
 *
 * @module
 */
import { heapLayout, loadSimdModule, type SimdModuleExports } from "./simd_module.ts";

/** Geometry of one gradient call (NHWC input, HWIO filter). */
export interface ConvGradShape {
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

/** The loaded kernels. Each writes its result into `out`, a caller-owned array (for example a view of tfjs's heap). */
export interface SimdConvGrad {
  /** dW as [kh, kw, Ci, Co] from the input `x` and the output gradient `dy`. */
  filterGrad(x: Float32Array, dy: Float32Array, shape: ConvGradShape, out: Float32Array): void;
  /** dx as [N, H, W, Ci] from the output gradient `dy` and the filter `w` ([kh, kw, Ci, Co]). */
  inputGrad(dy: Float32Array, w: Float32Array, shape: ConvGradShape, out: Float32Array): void;
}

/** n, h, w, ci, ho, wo, co, kh, kw, sh, sw, pt, pl: the kernels' trailing arguments. */
type Geometry = number[];

interface Exports extends SimdModuleExports {
  filter_grad(x: number, dy: number, out: number, ...g: Geometry): void;
  input_grad(dy: number, w: number, wt: number, dx: number, ...g: Geometry): number;
}

let loaded: SimdConvGrad | null | undefined;

/**
 * Loads the kernels once per thread; null when they are unavailable here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const k = loadSimdConvGrad();
 * assert.ok(k, "simd/conv_grad.wasm loads here");
 * // all-ones input and output gradient: each filter tap sums the output positions that see the input
 * const x = new Float32Array(4 * 4).fill(1), dy = new Float32Array(4 * 4).fill(1);
 * const dw = new Float32Array(3 * 3);
 * const shape: ConvGradShape = {
 *   x: [1, 4, 4, 1], dy: [1, 4, 4, 1], kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1,
 * };
 * k.filterGrad(x, dy, shape, dw);
 * assert.deepEqual(Array.from(dw), [9, 12, 9, 12, 16, 12, 9, 12, 9]);
 * ```
 */
export function loadSimdConvGrad(): SimdConvGrad | null {
  if (loaded !== undefined) return loaded;
  const exports = loadSimdModule<Exports>("conv_grad");
  loaded = exports && wrap(exports);
  return loaded;
}

function wrap(k: Exports): SimdConvGrad {
  const geometry = (s: ConvGradShape): Geometry => {
    const [n, h, w, ci] = s.x;
    const [, ho, wo, co] = s.dy;
    return [n, h, w, ci, ho, wo, co, s.kh, s.kw, s.strideH, s.strideW, s.padTop, s.padLeft];
  };
  const check = (s: ConvGradShape, lens: Record<string, [number, number]>) => {
    if (s.x[0] !== s.dy[0]) throw new RangeError(`conv gradient: x ${s.x} and dy ${s.dy} differ in batch`);
    for (const [name, [got, want]] of Object.entries(lens)) {
      if (got !== want) throw new RangeError(`conv gradient: ${name} has ${got} values, its shape says ${want}`);
    }
  };
  return {
    filterGrad(x, dy, s, out) {
      const [n, h, w, ci] = s.x, [, ho, wo, co] = s.dy, outLen = s.kh * s.kw * ci * co;
      check(s, { x: [x.length, n * h * w * ci], dy: [dy.length, n * ho * wo * co], out: [out.length, outLen] });
      const [xOff, dyOff, outOff] = heapLayout(k, [x, dy], [outLen]);
      k.filter_grad(xOff, dyOff, outOff, ...geometry(s));
      out.set(new Float32Array(k.memory.buffer, outOff, outLen));
    },
    inputGrad(dy, w, s, out) {
      const [n, h, wd, ci] = s.x, [, ho, wo, co] = s.dy, wLen = s.kh * s.kw * ci * co, outLen = n * h * wd * ci;
      check(s, { dy: [dy.length, n * ho * wo * co], filter: [w.length, wLen], out: [out.length, outLen] });
      const [dyOff, wOff, wtOff, outOff] = heapLayout(k, [dy, w], [wLen, outLen]);
      if (k.input_grad(dyOff, wOff, wtOff, outOff, ...geometry(s)) !== 0) {
        throw new RangeError(`conv gradient: a ${s.kh}×${s.kw} filter is larger than the kernel supports (64)`);
      }
      out.set(new Float32Array(k.memory.buffer, outOff, outLen));
    },
  };
}
