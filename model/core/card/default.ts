/**
 * The one place that names the model the service loads when `MODEL` is not set.
 * The Workers build reads it too (functions/lib/workers/wrangler.ts writes it into the generated entry and alias),
 * and a test checks that wrangler.jsonc agrees.
 *
 * @module
 */

/**
 * Path (relative to the project root) of the default ONNX model; its card is the same path with
 * `.json` instead of `.onnx`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = Deno.env.get("MODEL") ?? DEFAULT_MODEL;
 * assert.equal(DEFAULT_MODEL, "model/all-v6.1.int8.onnx");
 * assert.ok((await Deno.stat(path)).isFile);
 * ```
 */
export const DEFAULT_MODEL = "model/all-v6.1.int8.onnx";

/**
 * The card's path for a model path: `x.onnx` → `x.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cardPathFor("model/all-v5.int8.onnx"), "model/all-v5.int8.json");
 * assert.throws(() => cardPathFor("model/all-v5.int8.json"));
 * ```
 */
export function cardPathFor(modelPath: string): string {
  if (!/\.onnx$/i.test(modelPath)) {
    throw new Error(
      `model path must end in .onnx, got ${modelPath}; set MODEL to an exported .onnx file (its card sits beside it)`,
    );
  }
  return modelPath.replace(/\.onnx$/i, "") + ".json";
}
