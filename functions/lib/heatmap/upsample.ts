/**
 * Bilinear resampling of a single-channel map (the model's CAM) to the input image's size.
 *
 * @module
 */

/** A single-channel float map, rows top to bottom. */
export interface FloatMap {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Where the map's cells lie on the output, per axis [x, y]: cell k is centred at
 * `origin + step·k` output pixels (pixel centres at k + 0.5). Default: evenly spaced cells,
 * step = W/w and origin = step/2 (`half_pixel`).
 */
export interface MapGrid {
  origin: [number, number];
  step: [number, number];
}

/**
 * Bilinear upsampling. Without `grid`, pixel centres are aligned (`align_corners = false`, as in
 * PyTorch/ONNX `Resize` with `half_pixel`): output pixel (x, y) samples the source at
 * ((x + 0.5)·w/W − 0.5, (y + 0.5)·h/H − 0.5). With `grid`, at ((x + 0.5 − origin)/step) per
 * axis. Either way clamped to the edges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const up = bilinearResize({ width: 2, height: 1, data: new Float32Array([0, 1]) }, 4, 1);
 * assert.deepEqual(up.data, new Float32Array([0, 0.25, 0.75, 1]));
 * // cells centred at x = 2.5 and 3.5 instead: everything left of 2.5 takes cell 0's value
 * const shifted = bilinearResize({ width: 2, height: 1, data: new Float32Array([0, 1]) }, 4, 1, {
 *   origin: [2.5, 0.5],
 *   step: [1, 1],
 * });
 * assert.deepEqual(shifted.data, new Float32Array([0, 0, 0, 1]));
 * ```
 */
export function bilinearResize(src: FloatMap, width: number, height: number, grid?: MapGrid): FloatMap {
  const { width: w, height: h, data } = src;
  if (data.length !== w * h) throw new RangeError(`map data has ${data.length} values, expected ${w}×${h}`);
  const out = new Float32Array(width * height);
  const xs = axis(w, width, grid && { origin: grid.origin[0], step: grid.step[0] });
  const ys = axis(h, height, grid && { origin: grid.origin[1], step: grid.step[1] });
  for (let y = 0; y < height; y++) {
    const { i0: y0, i1: y1, t: ty } = ys[y];
    const r0 = y0 * w;
    const r1 = y1 * w;
    for (let x = 0; x < width; x++) {
      const { i0: x0, i1: x1, t: tx } = xs[x];
      const top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * tx;
      const bottom = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * tx;
      out[y * width + x] = top + (bottom - top) * ty;
    }
  }
  return { width, height, data: out };
}

function axis(
  srcLen: number,
  dstLen: number,
  grid?: { origin: number; step: number },
): { i0: number; i1: number; t: number }[] {
  const scale = srcLen / dstLen;
  const at = grid ? (i: number) => (i + 0.5 - grid.origin) / grid.step : (i: number) => (i + 0.5) * scale - 0.5;
  return Array.from({ length: dstLen }, (_, i) => {
    const s = Math.min(Math.max(at(i), 0), srcLen - 1);
    const i0 = Math.floor(s);
    const i1 = Math.min(i0 + 1, srcLen - 1);
    return { i0, i1, t: s - i0 };
  });
}
