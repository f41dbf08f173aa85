/**
 * Test inputs for the shift suite's tests: the committed Taleqani fields (224×224 JPEG, decoded
 * with the service's decoder) and small helpers to build and compare synthetic RGBA images.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { RgbaImage } from "../../model/core/mod.ts";
import { decodeImage } from "../../model/core/mod.ts";

/** The committed Taleqani fields (copies of `taleqani_all/original/…`, see tests/fixtures/images/ATTRIBUTION.md). */
export const TALEQANI = {
  benign: "tests/fixtures/images/taleqani_Benign_WBC-Benign-001.jpg",
  early: "tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg",
} as const;

/**
 * A committed Taleqani field decoded as the service decodes it (paths are relative to the repository root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = await taleqani("benign");
 * assert.deepEqual([img.width, img.height], [224, 224]);
 * ```
 */
export async function taleqani(which: keyof typeof TALEQANI): Promise<RgbaImage> {
  const d = await decodeImage(await readFile(TALEQANI[which]));
  return { width: d.width, height: d.height, data: d.data };
}

/**
 * An opaque RGBA image from rows of [R, G, B] pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const img = rgbImage([[[1, 2, 3], [4, 5, 6]]]);
 * assert.deepEqual([img.width, img.height, ...img.data], [2, 1, 1, 2, 3, 255, 4, 5, 6, 255]);
 * ```
 */
export function rgbImage(rows: number[][][]): RgbaImage {
  const height = rows.length, width = rows[0].length;
  const data = new Uint8Array(width * height * 4);
  rows.forEach((row, y) => row.forEach(([r, g, b], x) => data.set([r, g, b, 255], (y * width + x) * 4)));
  return { width, height, data };
}

/**
 * The image's pixels as rows of [R, G, B] (alpha dropped): easy to compare with {@link rgbImage}'s input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(rgbRows(rgbImage([[[1, 2, 3]], [[4, 5, 6]]])), [[[1, 2, 3]], [[4, 5, 6]]]);
 * ```
 */
export function rgbRows(img: RgbaImage): number[][][] {
  const rows: number[][][] = [];
  for (let y = 0; y < img.height; y++) {
    const row: number[][] = [];
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      row.push([img.data[i], img.data[i + 1], img.data[i + 2]]);
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Largest absolute difference between two equally sized images over the colour channels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(maxAbsDiff(rgbImage([[[1, 2, 3]]]), rgbImage([[[1, 5, 3]]])), 3);
 * ```
 */
export function maxAbsDiff(a: RgbaImage, b: RgbaImage): number {
  if (a.data.length !== b.data.length) throw new RangeError("maxAbsDiff: images differ in size");
  let m = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/**
 * Mean of each colour channel [R, G, B].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(channelMeans(rgbImage([[[0, 10, 20], [10, 10, 40]]])), [5, 10, 30]);
 * ```
 */
export function channelMeans(img: RgbaImage): [number, number, number] {
  const s = [0, 0, 0];
  for (let i = 0; i < img.data.length; i += 4) s[0] += img.data[i], s[1] += img.data[i + 1], s[2] += img.data[i + 2];
  const n = img.width * img.height;
  return [s[0] / n, s[1] / n, s[2] / n];
}
