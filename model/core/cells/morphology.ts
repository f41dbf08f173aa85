/**
 * Binary morphology on row-major masks (1 = foreground) with a square structuring element of
 * radius r ((2r+1)²), separable and linear in pixels whatever r is (running counts, rows read in
 * memory order); windows are clipped at the image border. Hole filling floods the background from
 * the border with an explicit queue, on a framed copy so that no neighbour needs a bounds test.
 *
 * @module
 */

/**
 * The horizontal pass: dst[p] = 1 when the count of 1s in the clipped window [x − r, x + r] of its
 * row is the window's size (erode) or above 0 (dilate). The border parts of a row, where the
 * window is clipped, are apart from the interior, where it is 2r + 1 wide.
 */
function rowPass(src: Uint8Array, dst: Uint8Array, width: number, height: number, r: number, erode: boolean): void {
  const full = 2 * r + 1;
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let count = 0;
    for (let j = 0; j <= r && j < width; j++) count += src[base + j];
    // the window of x is [x − r, x + r] ∩ [0, width − 1]; count holds it on entry to each x
    const interiorFrom = r, interiorTo = width - 1 - r; // x with an unclipped window (empty when width < 2r + 1)
    let x = 0;
    for (; x < width && x < interiorFrom; x++) {
      const size = Math.min(width - 1, x + r) + 1;
      dst[base + x] = (erode ? count === size : count > 0) ? 1 : 0;
      if (x + r + 1 < width) count += src[base + x + r + 1];
    }
    for (; x <= interiorTo; x++) {
      dst[base + x] = (erode ? count === full : count > 0) ? 1 : 0;
      if (x + r + 1 < width) count += src[base + x + r + 1];
      count -= src[base + x - r];
    }
    for (; x < width; x++) {
      const size = width - Math.max(0, x - r);
      dst[base + x] = (erode ? count === size : count > 0) ? 1 : 0;
      if (x - r >= 0) count -= src[base + x - r];
    }
  }
}

/**
 * The vertical pass, row by row: a running count per column of the 1s in rows [y − r, y + r]
 * (clipped), so memory is read in order.
 */
function columnPass(src: Uint8Array, dst: Uint8Array, width: number, height: number, r: number, erode: boolean): void {
  const counts = new Int32Array(width);
  for (let j = 0; j <= r && j < height; j++) {
    const row = j * width;
    for (let x = 0; x < width; x++) counts[x] += src[row + x];
  }
  for (let y = 0; y < height; y++) {
    const size = Math.min(height - 1, y + r) - Math.max(0, y - r) + 1;
    const row = y * width;
    if (erode) { for (let x = 0; x < width; x++) dst[row + x] = counts[x] === size ? 1 : 0; }
    else for (let x = 0; x < width; x++) dst[row + x] = counts[x] > 0 ? 1 : 0;
    const add = y + r + 1, drop = y - r;
    if (add < height) {
      const a = add * width;
      for (let x = 0; x < width; x++) counts[x] += src[a + x];
    }
    if (drop >= 0) {
      const d = drop * width;
      for (let x = 0; x < width; x++) counts[x] -= src[d + x];
    }
  }
}

/**
 * Radius 1, 32 pixels a word: each row packed into bits (pixel x is bit x % 32 of word x >> 5),
 * the pixels beyond the image set to the operation's neutral value (1 for erode, 0 for dilate),
 * so that a clipped window is a plain AND or OR of a pixel's neighbours.
 */
function applyRadius1(mask: Uint8Array, width: number, height: number, erode: boolean): Uint8Array {
  const words = (width + 31) >> 5;
  const neutral = erode ? 0xffffffff : 0;
  const packed = new Uint32Array(words * height); // every word is written below
  for (let y = 0; y < height; y++) {
    const row = y * width, prow = y * words;
    for (let k = 0; k < words; k++) {
      const from = k << 5, to = Math.min(width, from + 32);
      let word = erode ? (to - from === 32 ? 0 : (0xffffffff << (to - from)) >>> 0) : 0;
      for (let x = from; x < to; x++) if (mask[row + x]) word |= 1 << (x - from);
      packed[prow + k] = word >>> 0;
    }
  }
  // rows: a pixel with its left (bit − 1) and right (bit + 1) neighbours, across word boundaries
  const across = new Uint32Array(words * height);
  for (let y = 0; y < height; y++) {
    const prow = y * words;
    for (let k = 0; k < words; k++) {
      const w = packed[prow + k];
      const before = k > 0 ? packed[prow + k - 1] : neutral, after = k + 1 < words ? packed[prow + k + 1] : neutral;
      const left = (w << 1) | (before >>> 31), right = (w >>> 1) | (after << 31);
      across[prow + k] = (erode ? w & left & right : w | left | right) >>> 0;
    }
  }
  // columns: each row with the rows above and below, then unpacked
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const prow = y * words, row = y * width;
    for (let k = 0; k < words; k++) {
      const w = across[prow + k];
      const up = y > 0 ? across[prow - words + k] : neutral, down = y + 1 < height ? across[prow + words + k] : neutral;
      const v = erode ? w & up & down : w | up | down;
      const from = k << 5, to = Math.min(width, from + 32);
      for (let x = from; x < to; x++) out[row + x] = (v >>> (x - from)) & 1;
    }
  }
  return out;
}

function apply(mask: Uint8Array, width: number, height: number, r: number, erode: boolean): Uint8Array {
  if (r <= 0) return mask.slice();
  if (r === 1) return applyRadius1(mask, width, height, erode);
  const tmp = new Uint8Array(mask.length);
  const out = new Uint8Array(mask.length);
  rowPass(mask, tmp, width, height, r, erode);
  columnPass(tmp, out, width, height, r, erode);
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
  // a copy with a one-pixel frame, so a pixel's four neighbours need no bounds test:
  // 0 = background not yet reached, 1 = foreground or frame, 2 = background reached from the border
  const pw = width + 2, state = new Uint8Array(pw * (height + 2)).fill(1);
  for (let y = 0; y < height; y++) {
    const row = y * width, prow = (y + 1) * pw + 1;
    for (let x = 0; x < width; x++) state[prow + x] = mask[row + x] ? 1 : 0;
  }
  const queue = new Int32Array(width * height);
  let head = 0, tail = 0;
  const seed = (q: number) => {
    if (state[q] === 0) {
      state[q] = 2;
      queue[tail++] = q;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(pw + 1 + x);
    seed(height * pw + 1 + x);
  }
  for (let y = 0; y < height; y++) {
    seed((y + 1) * pw + 1);
    seed((y + 1) * pw + width);
  }
  while (head < tail) {
    const q = queue[head++];
    let n = q - 1;
    if (state[n] === 0) {
      state[n] = 2;
      queue[tail++] = n;
    }
    n = q + 1;
    if (state[n] === 0) {
      state[n] = 2;
      queue[tail++] = n;
    }
    n = q - pw;
    if (state[n] === 0) {
      state[n] = 2;
      queue[tail++] = n;
    }
    n = q + pw;
    if (state[n] === 0) {
      state[n] = 2;
      queue[tail++] = n;
    }
  }
  for (let y = 0; y < height; y++) {
    const row = y * width, prow = (y + 1) * pw + 1;
    for (let x = 0; x < width; x++) if (state[prow + x] !== 2) mask[row + x] = 1;
  }
  return mask;
}
