/**
 * Cross-runtime check, run under Node by the trainer's toolchain:
 * `./node_modules/.bin/tsx tests/helpers/node_smoke.ts`
 * Decodes one fixture per format, preprocesses each to a 128×128 NCHW tensor and prints one JSON
 * line per file (size and SHA-256 of the RGBA pixels and of the tensor bytes). tests/node_smoke_test.ts
 * runs it and requires the same numbers as Deno computes.
 *
 * @module
 */
import process from "node:process";
import { decodeImage } from "../../model/core/image/decode.ts";
import { fixture, sha256Hex } from "./image_fixtures.ts";
import { preprocess } from "../../model/core/preprocess/preprocess.ts";
import type { PreprocessSpec } from "../../model/core/preprocess/spec.ts";

/** Files the smoke check decodes (one per format, JPEG twice). */
export const SMOKE_FILES = [
  "cnmc_all_UID_35_6_2_all.bmp",
  "cnmc_hem_UID_H10_100_1_hem.png",
  "taleqani_Early_WBC-Malignant-Early-001.jpg",
  "full_progressive.jpg",
  "variant_rgb_lzw.tif",
];

/** The spec the smoke check uses. */
export const SMOKE_SPEC: PreprocessSpec = {
  size: 128,
  crop: "center-square",
  resize: "area",
  channelOrder: "RGB",
  alphaBackground: 0,
  normalization: { mode: "per-image", minStd: 0.02 },
};

/**
 * Decodes and preprocesses one fixture; returns what both runtimes must agree on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = await smoke("variant_rgb_lzw.tif");
 * assert.deepEqual([r.format, r.width, r.height], ["tiff", 157, 143]);
 * ```
 */
export async function smoke(
  name: string,
): Promise<{ name: string; format: string; width: number; height: number; rgba: string; tensor: string }> {
  const img = await decodeImage(fixture(name));
  const t = preprocess(img, SMOKE_SPEC, "NCHW");
  return {
    name,
    format: img.format,
    width: img.width,
    height: img.height,
    rgba: sha256Hex(img.data),
    tensor: sha256Hex(new Uint8Array(t.buffer, t.byteOffset, t.byteLength)),
  };
}

if (import.meta.main ?? import.meta.url === `file://${process.argv[1]}`) {
  for (const n of SMOKE_FILES) console.log(JSON.stringify(await smoke(n)));
}
