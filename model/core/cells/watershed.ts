/**
 * Splitting touching cells: the chamfer (3-4) distance to the background, h-maxima markers (the
 * distance peaks that stand at least `h` above the saddle joining them), and a marker-controlled
 * watershed on the distance map. Every step is a linear pass or a bucket-queue flood over integer
 * levels: memory and time are linear in pixels, no recursion.
 *
 * @module
 */

/** Chamfer units per pixel step (3-4 chamfer: 3 straight, 4 diagonal). */
export const CHAMFER_UNIT = 3;

/**
 * The 3-4 chamfer distance of every foreground pixel to the nearest background pixel (or the
 * image border, which counts as background), in units of {@link CHAMFER_UNIT} per pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a 5×5 square in a 7×7 image: 3 at its rim, 9 at its centre
 * const m = new Uint8Array(49);
 * for (let y = 1; y <= 5; y++) for (let x = 1; x <= 5; x++) m[y * 7 + x] = 1;
 * const d = chamferDistance(m, 7, 7);
 * assert.deepEqual([...d.subarray(21, 28)], [0, 3, 6, 9, 6, 3, 0]);
 * ```
 */
export function chamferDistance(mask: Uint8Array, width: number, height: number): Int32Array {
  const n = width * height;
  const d = new Int32Array(n);
  const BIG = 1 << 29;
  for (let p = 0; p < n; p++) d[p] = mask[p] ? BIG : 0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : d[y * width + x]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (!d[p]) continue;
      d[p] = Math.min(d[p], at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const p = y * width + x;
      if (!d[p]) continue;
      d[p] = Math.min(d[p], at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4);
    }
  }
  return d;
}

/** A max-first bucket queue over integer levels 0..maxLevel, with a fixed pool of entries. */
class BucketQueue {
  private head: Int32Array;
  private next: Int32Array;
  private value: Int32Array;
  private used = 0;
  private top = -1;
  constructor(maxLevel: number, capacity: number) {
    this.head = new Int32Array(maxLevel + 1).fill(-1);
    this.next = new Int32Array(capacity);
    this.value = new Int32Array(capacity);
  }
  push(level: number, v: number): void {
    const e = this.used++;
    this.value[e] = v;
    this.next[e] = this.head[level];
    this.head[level] = e;
    if (level > this.top) this.top = level;
  }
  /** The entry at the highest level (its level in `level`), or -1 when empty. */
  pop(): number {
    while (this.top >= 0 && this.head[this.top] < 0) this.top--;
    if (this.top < 0) return -1;
    const e = this.head[this.top];
    this.head[this.top] = this.next[e];
    this.level = this.top;
    return this.value[e];
  }
  level = -1;
}

const NEIGHBOURS_8 = [[-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]] as const;

/**
 * h-maxima markers of a distance map: the regional maxima of the reconstruction by dilation of
 * (distance − h) under the distance, over the foreground (`dist > 0`). A peak becomes its own marker
 * when it stands at least `h` above the saddle linking it to a higher peak; every foreground piece
 * gets at least one marker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // two peaks (9) joined by a saddle of 3: with h = 3 each is a marker, with h = 9 the whole piece is one
 * const d = new Int32Array([0, 3, 6, 9, 6, 3, 6, 9, 6, 3, 0]);
 * const on = (m: Uint8Array) => [...m].map((v, i) => v ? i : -1).filter((i) => i >= 0);
 * assert.deepEqual(on(hMaxima(d, 11, 1, 3)), [2, 3, 4, 6, 7, 8]); // two flattened tops
 * assert.deepEqual(on(hMaxima(d, 11, 1, 9)), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * ```
 */
export function hMaxima(dist: Int32Array, width: number, height: number, h: number): Uint8Array {
  const n = width * height;
  let maxLevel = 0;
  for (let p = 0; p < n; p++) if (dist[p] > maxLevel) maxLevel = dist[p];
  const rec = new Int32Array(n);
  const queue = new BucketQueue(maxLevel, 2 * n + 1);
  for (let p = 0; p < n; p++) {
    const m = dist[p] - h;
    if (m > 0) {
      rec[p] = m;
      queue.push(m, p);
    }
  }
  for (let p = queue.pop(); p >= 0; p = queue.pop()) {
    const v = queue.level;
    if (v !== rec[p]) continue; // stale
    const x = p % width, y = (p - x) / width;
    for (const [dx, dy] of NEIGHBOURS_8) {
      const xx = x + dx, yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
      const q = yy * width + xx;
      const nv = Math.min(v, dist[q]);
      if (nv > rec[q]) {
        rec[q] = nv;
        queue.push(nv, q);
      }
    }
  }
  // regional maxima of rec over the foreground: equal-valued 8-connected plateaus with no higher neighbour
  const out = new Uint8Array(n);
  const seen = new Uint8Array(n);
  const plateau = new Int32Array(n);
  for (let start = 0; start < n; start++) {
    if (!dist[start] || seen[start]) continue;
    const v = rec[start];
    let head = 0, tail = 0, isMax = true;
    seen[start] = 1;
    plateau[tail++] = start;
    while (head < tail) {
      const p = plateau[head++];
      const x = p % width, y = (p - x) / width;
      for (const [dx, dy] of NEIGHBOURS_8) {
        const xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
        const q = yy * width + xx;
        if (!dist[q]) continue;
        if (rec[q] > v) isMax = false;
        else if (rec[q] === v && !seen[q]) {
          seen[q] = 1;
          plateau[tail++] = q;
        }
      }
    }
    if (isMax) { for (let i = 0; i < tail; i++) out[plateau[i]] = 1; }
  }
  return out;
}

/**
 * Marker-controlled watershed on a distance map: floods from the labelled markers (`markers[p]`
 * > 0) in decreasing distance over the foreground (`dist > 0`); every foreground pixel reached
 * takes the label of the marker that reached it first. Pixels of foreground pieces holding no
 * marker keep 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = new Int32Array([0, 3, 6, 9, 6, 3, 6, 9, 6, 3, 0]);
 * const markers = new Int32Array(11);
 * markers[3] = 1;
 * markers[7] = 2;
 * assert.deepEqual([...watershed(d, markers, 11, 1)], [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0]);
 * ```
 */
export function watershed(dist: Int32Array, markers: Int32Array, width: number, height: number): Int32Array {
  const n = width * height;
  let maxLevel = 0;
  for (let p = 0; p < n; p++) if (dist[p] > maxLevel) maxLevel = dist[p];
  const labels = new Int32Array(n);
  const queue = new BucketQueue(maxLevel, n + 1);
  for (let p = 0; p < n; p++) {
    if (markers[p] > 0 && dist[p] > 0) {
      labels[p] = markers[p];
      queue.push(dist[p], p);
    }
  }
  for (let p = queue.pop(); p >= 0; p = queue.pop()) {
    const x = p % width, y = (p - x) / width;
    for (const [dx, dy] of NEIGHBOURS_8) {
      const xx = x + dx, yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
      const q = yy * width + xx;
      if (dist[q] > 0 && !labels[q]) {
        labels[q] = labels[p];
        queue.push(dist[q], q);
      }
    }
  }
  return labels;
}
