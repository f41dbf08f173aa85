/**
 * The exact Euclidean distance transform of Meijster, Roerdink and Hesselink (2000): the distance
 * along each column by two sweeps, then the lower envelope of parabolas along each row, in integer
 * arithmetic; linear in pixels, no recursion.
 *
 * @module
 */

/** A distance larger than any image can hold, standing for "no background on this line yet". */
const FAR = 1e12;

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
  // phase 1, columns: the distance along the column to the nearest background pixel, by a forward
  // and a backward sweep, row by row so that memory is read in order; `none` (more than any
  // distance inside the image) where a column has no background
  const none = width + height;
  const g = new Int32Array(n);
  for (let x = 0; x < width; x++) g[x] = mask[x] ? none : 0;
  for (let y = 1; y < height; y++) {
    const row = y * width, above = row - width;
    for (let x = 0; x < width; x++) g[row + x] = mask[row + x] ? Math.min(none, g[above + x] + 1) : 0;
  }
  for (let y = height - 2; y >= 0; y--) {
    const row = y * width, below = row + width;
    for (let x = 0; x < width; x++) {
      const b = g[below + x] + 1;
      if (b < g[row + x]) g[row + x] = b;
    }
  }
  // phase 2, rows: the lower envelope of the parabolas (x − i)² + g(i)², in integers (Meijster,
  // Roerdink and Hesselink 2000). A pixel nearer to no background than none² has none at all.
  const out = new Float64Array(n);
  const s = new Int32Array(width), t = new Int32Array(width), gg = new Float64Array(width);
  const farFrom = none * none;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) gg[x] = g[row + x] * g[row + x];
    let q = 0;
    s[0] = 0;
    t[0] = 0;
    for (let u = 1; u < width; u++) {
      while (q >= 0) {
        const tq = t[q], sq = s[q];
        if ((tq - sq) * (tq - sq) + gg[sq] <= (tq - u) * (tq - u) + gg[u]) break;
        q--;
      }
      if (q < 0) {
        q = 0;
        s[0] = u;
      } else {
        const i = s[q];
        const w = 1 + Math.floor((u * u - i * i + gg[u] - gg[i]) / (2 * (u - i)));
        if (w < width) {
          q++;
          s[q] = u;
          t[q] = w;
        }
      }
    }
    for (let u = width - 1; u >= 0; u--) {
      const sq = s[q], d = (u - sq) * (u - sq) + gg[sq];
      out[row + u] = d >= farFrom ? FAR : d;
      if (u === t[q]) q--;
    }
  }
  return out;
}
