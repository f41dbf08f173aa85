/**
 * The tiny fixture ONNX model (32 px, random weights, logit + subtype + CAM heads).
 *
 * @module
 */
import { loadModelFile, type ModelRuntime } from "../../model/core/onnx/runtime.ts";

/** Path of the int8 fixture model, relative to the project root. */
export const TINY_MODEL = "tests/fixtures/models/tiny.int8.onnx";
/** Path of its float32 twin. */
export const TINY_FLOAT_MODEL = "tests/fixtures/models/tiny.float.onnx";

let shared: Promise<ModelRuntime> | undefined;

/**
 * The int8 fixture model, loaded once per test process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const runtime = await tinyModel();
 * assert.equal(runtime.card.id, "tiny-test");
 * assert.equal(await tinyModel(), runtime); // loaded once
 * ```
 */
export function tinyModel(): Promise<ModelRuntime> {
  shared ??= loadModelFile(new URL(`../../${TINY_MODEL}`, import.meta.url).pathname);
  return shared;
}

/** Fixture images of every format, with their content types. */
export const FIXTURES: readonly [name: string, type: string][] = [
  ["cnmc_all_UID_35_6_2_all.bmp", "image/bmp"],
  ["cnmc_all_UID_35_6_2_all.png", "image/png"],
  ["cnmc_hem_UID_H10_100_1_hem.png", "image/png"],
  ["taleqani_Benign_WBC-Benign-001.jpg", "image/jpeg"],
  ["taleqani_Early_WBC-Malignant-Early-001.jpg", "image/jpeg"],
  ["full_progressive.jpg", "image/jpeg"],
  ["full_rgb_lzw.tif", "image/tiff"],
  ["variant_grey8.png", "image/png"],
];
