/**
 * Binary morphology on row-major masks (1 = foreground) with a square structuring element of
 * radius r ((2r+1)²), separable and linear in pixels whatever r is (running counts); windows are
 * clipped at the image border. Hole filling floods the background from the border with an
 * explicit queue.
 *
 * @module
 */

/** One separable pass: out[p] = 1 when the count of 1s in the clipped line window is ≥ need(window). */
function pass(
  src: Uint8Array,
  dst: Uint8Array,
  width: number,
  height: number,
  r: number,
  horizontal: boolean,
  erode: boolean,
): void {
  const lines = horizontal ? height : width;
  const len = horizontal ? width : height;
  const stride = horizontal ? 1 : width;
  for (let l = 0; l < lines; l++) {
    const base = horizontal ? l * width : l;
    let count = 0;
    // window [i - r, i + r] ∩ [0, len - 1]
    for (let j = 0; j < Math.min(r, len - 1) + 1 && j < len; j++) count += src[base + j * stride];
    for (let i = 0; i < len; i++) {
      const lo = Math.max(0, i - r), hi = Math.min(len - 1, i + r);
      const size = hi - lo + 1;
      dst[base + i * stride] = erode ? (count === size ? 1 : 0) : (count > 0 ? 1 : 0);
      // slide: add i + r + 1, drop i - r
      const add = i + r + 1, drop = i - r;
      if (add < len) count += src[base + add * stride];
      if (drop >= 0) count -= src[base + drop * stride];
    }
  }
}

function apply(mask: Uint8Array, width: number, height: number, r: number, erode: boolean): Uint8Array {
  if (r <= 0) return mask.slice();
  const tmp = new Uint8Array(mask.length);
  const out = new Uint8Array(mask.length);
  pass(mask, tmp, width, height, r, true, erode);
  pass(tmp, out, width, height, r, false, erode);
  return out;
}

/**
 * Erosion: a pixel stays 1 when its whole (clipped) window is 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a 3×3 square in a 5×5 image erodes to its centre
 * const m = new Uint8Array(25);
 * for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) m[y * 5 + x] = 1;
 * assert.deepEqual([...erode(m, 5, 5, 1)].map((v, i) => v ? i : -1).filter((i) => i >= 0), [12]);
 * ```
 */
export function erode(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  return apply(mask, width, height, r, true);
}

/**
 * Dilation: a pixel becomes 1 when any pixel of its (clipped) window is 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = new Uint8Array(9);
 * m[4] = 1;
 * assert.equal(dilate(m, 3, 3, 1).reduce((a, b) => a + b, 0), 9);
 * ```
 */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  return apply(mask, width, height, r, false);
}

/**
 * Opening (erode, then dilate): removes specks narrower than 2r+1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = new Uint8Array(25);
 * m[12] = 1; // one isolated pixel
 * assert.equal(open(m, 5, 5, 1).reduce((a, b) => a + b, 0), 0);
 * ```
 */
export function open(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  return dilate(erode(mask, width, height, r), width, height, r);
}

/**
 * Closing (dilate, then erode): bridges gaps narrower than 2r+1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = new Uint8Array([1, 1, 0, 1, 1]); // a one-pixel gap in a row
 * assert.deepEqual([...close(m, 5, 1, 1)], [1, 1, 1, 1, 1]);
 * ```
 */
export function close(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  return erode(dilate(mask, width, height, r), width, height, r);
}

/**
 * Fills holes: background pixels not 4-connected to the image border become foreground. In place;
 * returns the mask.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ring = new Uint8Array([1, 1, 1, 1, 0, 1, 1, 1, 1]);
 * assert.deepEqual([...fillHoles(ring, 3, 3)], [1, 1, 1, 1, 1, 1, 1, 1, 1]);
 * ```
 */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const outside = new Uint8Array(n);
  const queue = new Int32Array(n);
  let head = 0, tail = 0;
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      queue[tail++] = p;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (head < tail) {
    const p = queue[head++];
    const x = p % width;
    if (x > 0) seed(p - 1);
    if (x < width - 1) seed(p + 1);
    if (p >= width) seed(p - width);
    if (p + width < n) seed(p + width);
  }
  for (let p = 0; p < n; p++) if (!outside[p]) mask[p] = 1;
  return mask;
}
