/**
 * Test helpers (Deno and Node): reading the committed image fixtures, hashing pixels, and building
 * tiny PNG/BMP files by hand for edge cases.
 *
 * @module
 */
import { seededRandom } from "../../model/core/util/random.ts";

/** A deterministic generator for reproducible fuzzing (the project's mulberry32). */
export const seeded = seededRandom;
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { compress } from "imagescript/png/src/zlib.mjs";
import { crc32 } from "../../model/core/image/header.ts";

/** Folder of the committed fixtures. */
export const FIXTURE_DIR = new URL("../fixtures/images/", import.meta.url);

/**
 * Bytes of fixture `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(fixture("variant_rgb8.png").length > 0);
 * ```
 */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURE_DIR)));
}

/**
 * Names of all fixtures ending in one of `exts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(fixtureNames(".png").includes("variant_rgb8.png"));
 * assert.ok(fixtureNames(".png").every((n) => n.endsWith(".png")));
 * ```
 */
export function fixtureNames(...exts: string[]): string[] {
  return readdirSync(FIXTURE_DIR).filter((n) => exts.some((e) => n.endsWith(e))).sort();
}

/** SHA-256 hashes recorded by make_fixtures.ts for each pixel group. */
export const EXPECTED: Record<string, { rgbaSha256: string; rgbSha256?: string; width?: number; height?: number }> =
  JSON
    .parse(new TextDecoder().decode(fixture("expected.json")));

/**
 * Hex SHA-256 of `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(sha256Hex(new Uint8Array()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Drops the alpha byte of every pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(rgbaToRgb(new Uint8Array([1, 2, 3, 255])), new Uint8Array([1, 2, 3]));
 * ```
 */
export function rgbaToRgb(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    out[j] = rgba[i], out[j + 1] = rgba[i + 1], out[j + 2] = rgba[i + 2];
  }
  return out;
}

/**
 * A PNG chunk with its length and CRC.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const iend = pngChunk("IEND", new Uint8Array());
 * assert.deepEqual([...iend], [0, 0, 0, 0, 73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82]); // length, type, CRC
 * ```
 */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(12 + data.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, data.length);
  b.set(new TextEncoder().encode(type), 4);
  b.set(data, 8);
  v.setUint32(8 + data.length, crc32(b.subarray(4, 8 + data.length)));
  return b;
}

/**
 * A non-interlaced PNG from already filtered scanlines (each row starts with its filter byte).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng } from "../../model/core/mod.ts";
 * const img = decodePng(tinyPng(1, 1, 0, 8, new Uint8Array([0, 128]))); // colour type 0 (grey), filter byte 0
 * assert.deepEqual([...img.data], [128, 128, 128, 255]);
 * ```
 */
export function tinyPng(
  width: number,
  height: number,
  colorType: number,
  depth: number,
  scanlines: Uint8Array,
  extra: Uint8Array[] = [],
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  return concat([
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk("IHDR", ihdr),
    ...extra,
    pngChunk("IDAT", compress(scanlines, 6) as Uint8Array),
    pngChunk("IEND", new Uint8Array()),
  ]);
}

/**
 * Concatenates byte arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(concat([new Uint8Array([1]), new Uint8Array([2])]), new Uint8Array([1, 2]));
 * ```
 */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}
