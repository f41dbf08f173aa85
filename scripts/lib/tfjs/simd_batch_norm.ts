/**
 * Training-mode batch normalisation of a channels-last `[M, C]` matrix by our own wasm SIMD kernel
 * (`simd/batch_norm.c`, built by `simd/build.sh`, the `.wasm` committed beside it): two passes over
 * the data each way, 16 channels at a time, in place of tfjs's transposing reductions and scalar
 * broadcasts.
 *
 * Feature-detected: {@link loadSimdBatchNorm} returns null where the `.wasm` cannot be read or
 * compiled, and callers fall back to tfjs ops.
 *
 * @module
 */
import { heapLayout, loadSimdModule, type SimdModuleExports } from "./simd_module.ts";

/** Where the kernels write: caller-owned arrays (for example views of tfjs's heap). */
export interface BatchNormForwardOut {
  /** [M, C] normalised, scaled and shifted. */
  y: Float32Array;
  /** [C] batch mean. */
  mean: Float32Array;
  /** [C] biased batch variance. */
  variance: Float32Array;
}

/** Where the backward kernel writes. */
export interface BatchNormBackwardOut {
  /** [M, C] gradient of the input. */
  dx: Float32Array;
  /** [C] gradient of the scale. */
  dgamma: Float32Array;
  /** [C] gradient of the offset. */
  dbeta: Float32Array;
}

/** The loaded kernels. `x` and `dy` are row-major [M, C]; `C` is gamma's length. */
export interface SimdBatchNorm {
  forward(x: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number, out: BatchNormForwardOut): void;
  /** `mean` and `variance` are the forward pass's batch statistics. */
  backward(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    gamma: Float32Array,
    epsilon: number,
    out: BatchNormBackwardOut,
  ): void;
}

interface Exports extends SimdModuleExports {
  bn_forward(
    x: number,
    gamma: number,
    beta: number,
    eps: number,
    m: number,
    c: number,
    y: number,
    mean: number,
    variance: number,
    scale: number,
    shift: number,
  ): void;
  bn_backward(
    dy: number,
    x: number,
    mean: number,
    variance: number,
    gamma: number,
    eps: number,
    m: number,
    c: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    a: number,
    b: number,
    k: number,
  ): void;
}

let loaded: SimdBatchNorm | null | undefined;

/**
 * Loads the kernels once per thread; null when they are unavailable here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bn = loadSimdBatchNorm();
 * assert.ok(bn, "simd/batch_norm.wasm loads here");
 * const x = new Float32Array([1, 10, 3, 30]); // M = 2 rows, C = 2 channels
 * const out = { y: new Float32Array(4), mean: new Float32Array(2), variance: new Float32Array(2) };
 * bn.forward(x, new Float32Array([1, 1]), new Float32Array([0, 0]), 1e-3, out);
 * assert.deepEqual(Array.from(out.mean), [2, 20]);
 * assert.deepEqual(Array.from(out.variance), [1, 100]);
 * ```
 */
export function loadSimdBatchNorm(): SimdBatchNorm | null {
  if (loaded !== undefined) return loaded;
  const exports = loadSimdModule<Exports>("batch_norm");
  loaded = exports && wrap(exports);
  return loaded;
}

function rowsOf(name: string, values: Float32Array, c: number): number {
  if (c === 0 || values.length % c !== 0) {
    throw new RangeError(`batch norm: ${name} has ${values.length} values, not a multiple of ${c} channels`);
  }
  return values.length / c;
}

function sameLength(lens: Record<string, number>, want: number, what: string): void {
  for (const [name, got] of Object.entries(lens)) {
    if (got !== want) throw new RangeError(`batch norm: ${name} has ${got} values, ${what} says ${want}`);
  }
}

function wrap(k: Exports): SimdBatchNorm {
  const view = (off: number, len: number) => new Float32Array(k.memory.buffer, off, len);
  return {
    forward(x, gamma, beta, epsilon, out) {
      const c = gamma.length, m = rowsOf("x", x, c);
      sameLength({ beta: beta.length, mean: out.mean.length, variance: out.variance.length }, c, "gamma");
      sameLength({ y: out.y.length }, x.length, "x");
      const [xOff, gOff, bOff, yOff, meanOff, varOff, scaleOff, shiftOff] = heapLayout(k, [x, gamma, beta], [
        x.length,
        c,
        c,
        c,
        c,
      ]);
      k.bn_forward(xOff, gOff, bOff, epsilon, m, c, yOff, meanOff, varOff, scaleOff, shiftOff);
      out.y.set(view(yOff, x.length));
      out.mean.set(view(meanOff, c));
      out.variance.set(view(varOff, c));
    },
    backward(dy, x, mean, variance, gamma, epsilon, out) {
      const c = gamma.length, m = rowsOf("dy", dy, c);
      sameLength(
        { mean: mean.length, variance: variance.length, dgamma: out.dgamma.length, dbeta: out.dbeta.length },
        c,
        "gamma",
      );
      sameLength({ x: x.length, dx: out.dx.length }, dy.length, "dy");
      const [dyOff, xOff, meanOff, varOff, gOff, dxOff, dgOff, dbOff, aOff, bOff, kOff] = heapLayout(
        k,
        [dy, x, mean, variance, gamma],
        [dy.length, c, c, c, c, c],
      );
      k.bn_backward(dyOff, xOff, meanOff, varOff, gOff, epsilon, m, c, dxOff, dgOff, dbOff, aOff, bOff, kOff);
      out.dx.set(view(dxOff, dy.length));
      out.dgamma.set(view(dgOff, c));
      out.dbeta.set(view(dbOff, c));
    },
  };
}
