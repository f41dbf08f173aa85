/**
 * Test inputs: real fixture images and small generated ones.
 *
 * @module
 */
import { encode } from "imagescript/png/src/png.mjs";

/** Directory of the real fixture images (see its ATTRIBUTION.md). */
export const IMAGES = new URL("../fixtures/images/", import.meta.url);

/**
 * Bytes of a fixture image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
 * assert.deepEqual([bmp[0], bmp[1]], [0x42, 0x4d]); // "BM"
 * ```
 */
export function fixture(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return Deno.readFile(new URL(name, IMAGES));
}

/**
 * A solid-colour RGBA PNG of the given size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng } from "../../model/core/mod.ts";
 * const img = decodePng(solidPng(40, 30, [200, 100, 50, 255]));
 * assert.deepEqual([img.width, img.height, ...img.data.subarray(0, 4)], [40, 30, 200, 100, 50, 255]);
 * ```
 */
export function solidPng(
  width: number,
  height: number,
  rgba: [number, number, number, number],
): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return encode(data, { text: undefined, width, height, channels: 4 }) as Uint8Array<ArrayBuffer>;
}

/**
 * A PNG whose header claims `width`×`height` but which has no pixel data (for limit tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, ImageDecodeError } from "../../model/core/mod.ts";
 * const huge = pngHeaderOnly(100_000, 100_000);
 * await assert.rejects(decodeImage(huge), (e) => e instanceof ImageDecodeError && e.code === "too_many_pixels");
 * ```
 */
export function pngHeaderOnly(width: number, height: number): Uint8Array<ArrayBuffer> {
  const png = solidPng(1, 1, [0, 0, 0, 255]);
  const out = png.slice(0, 33);
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  view.setUint32(29, crc32(out.subarray(12, 29)));
  return out;
}

function crc32(data: Uint8Array): number {
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
