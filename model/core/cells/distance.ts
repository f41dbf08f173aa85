/**
 * The exact Euclidean distance transform (Felzenszwalb and Huttenlocher's lower envelope of
 * parabolas, one pass per column and one per row): linear in pixels, no recursion.
 *
 * @module
 */

/** A distance larger than any image can hold, standing for "no background on this line yet". */
const FAR = 1e12;

/** One line of the transform: d[q] = min over p of (q − p)² + f[p]. */
function line(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k] && k > 0) {
      k--;
      s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    if (s <= z[k]) {
      // k === 0 and the new parabola lies below the first everywhere to its right: it replaces it
      v[0] = q;
      z[1] = Infinity;
      continue;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}

/**
 * The squared Euclidean distance of every foreground pixel (`mask` 1) to the nearest background
 * pixel (0) inside the image; background pixels hold 0. Pixels outside the image do not count as
 * background, so a cell cut by the border keeps the distances of its inner part. A mask with no
 * background at all holds a distance larger than any image (1e12 or more) everywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // one background pixel in the corner of a 3×2 image
 * const d = squaredDistance(new Uint8Array([0, 1, 1, 1, 1, 1]), 3, 2);
 * assert.deepEqual([...d], [0, 1, 4, 1, 2, 5]);
 * ```
 */
export function squaredDistance(mask: Uint8Array, width: number, height: number): Float64Array {
  const n = width * height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || mask.length !== n) {
    throw new RangeError(`squaredDistance: a ${width}×${height} mask needs ${n} values, got ${mask.length}`);
  }
  const out = new Float64Array(n);
  const m = Math.max(width, height);
  const f = new Float64Array(m), d = new Float64Array(m), v = new Int32Array(m), z = new Float64Array(m + 1);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = mask[y * width + x] ? FAR : 0;
    line(f, height, d, v, z);
    for (let y = 0; y < height; y++) out[y * width + x] = d[y];
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = out[row + x];
    line(f, width, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = d[x];
  }
  return out;
}
