/**
 * TensorFlow's "same"/"valid" padding as explicit ONNX pads.
 *
 * @module
 */

/** Output size and the pads before/after along one spatial axis. */
export interface AxisPadding {
  out: number;
  before: number;
  after: number;
}

/**
 * Pads along one axis, computed exactly like TensorFlow: `same` gives `ceil(in/stride)` outputs and
 * puts the odd extra pad after (bottom/right), `valid` pads nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(axisPadding(7, 3, 2, 1, "same"), { out: 4, before: 1, after: 1 });
 * assert.deepEqual(axisPadding(8, 3, 2, 1, "same"), { out: 4, before: 0, after: 1 }); // odd pad after
 * assert.deepEqual(axisPadding(8, 3, 1, 1, "valid"), { out: 6, before: 0, after: 0 });
 * assert.throws(() => axisPadding(2, 3, 1, 1, "valid"), /smaller than the kernel/);
 * ```
 */
export function axisPadding(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: "same" | "valid",
): AxisPadding {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === "valid") {
    const out = Math.floor((size - effective) / stride) + 1;
    if (out < 1) {
      throw new Error(
        `valid padding: input ${size} is smaller than the kernel (${effective}); use a larger input or "same"`,
      );
    }
    return { out, before: 0, after: 0 };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** ONNX `pads` ([top, left, bottom, right]) and the output height/width of a 2-D window op. */
export interface Padding2d {
  pads: [number, number, number, number];
  outH: number;
  outW: number;
}

/**
 * 2-D version of {@link axisPadding} for an `h`×`w` input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(padding2d([7, 7], [3, 3], [2, 2], [1, 1], "same"), { pads: [1, 1, 1, 1], outH: 4, outW: 4 });
 * // [top, left, bottom, right]: only the height needs the extra pad after
 * assert.deepEqual(padding2d([8, 7], [3, 3], [2, 2], [1, 1], "same"), { pads: [0, 1, 1, 1], outH: 4, outW: 4 });
 * ```
 */
export function padding2d(
  [h, w]: readonly [number, number],
  [kh, kw]: readonly [number, number],
  [sh, sw]: readonly [number, number],
  [dh, dw]: readonly [number, number],
  padding: "same" | "valid",
): Padding2d {
  const y = axisPadding(h, kh, sh, dh, padding);
  const x = axisPadding(w, kw, sw, dw, padding);
  return { pads: [y.before, x.before, y.after, x.after], outH: y.out, outW: x.out };
}
