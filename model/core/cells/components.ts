/**
 * Connected components of a row-major binary mask (8-connected), labelled with an explicit queue
 * (no recursion), with each component's area and bounding box.
 *
 * @module
 */

/** A bounding box in pixels: the top-left corner and the size. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A labelled mask: `labels[p]` is 0 for background, else the 1-based component. */
export interface Components {
  labels: Int32Array;
  /** number of components */
  count: number;
  /** area of component k at index k - 1 */
  areas: Int32Array;
  /** bounding box of component k at index k - 1 */
  boxes: Box[];
}

/**
 * Labels the 8-connected components of `mask` (non-zero = foreground).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // two blobs: a 2×2 square at the left, a diagonal pair at the right (8-connected: one blob)
 * const m = new Uint8Array([
 *   1, 1, 0, 1, 0,
 *   1, 1, 0, 0, 1,
 * ]);
 * const c = labelComponents(m, 5, 2);
 * assert.equal(c.count, 2);
 * assert.deepEqual([...c.areas], [4, 2]);
 * assert.deepEqual(c.boxes[1], { x: 3, y: 0, width: 2, height: 2 });
 * ```
 */
export function labelComponents(mask: Uint8Array, width: number, height: number): Components {
  const n = width * height;
  const labels = new Int32Array(n);
  const queue = new Int32Array(n);
  const areas: number[] = [];
  const boxes: Box[] = [];
  let count = 0;
  for (let start = 0; start < n; start++) {
    if (!mask[start] || labels[start]) continue;
    const k = ++count;
    labels[start] = k;
    let head = 0, tail = 0;
    queue[tail++] = start;
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    while (head < tail) {
      const p = queue[head++];
      const x = p % width, y = (p - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (mask[q] && !labels[q]) {
            labels[q] = k;
            queue[tail++] = q;
          }
        }
      }
    }
    areas.push(tail);
    boxes.push({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
  }
  return { labels, count, areas: Int32Array.from(areas), boxes };
}
