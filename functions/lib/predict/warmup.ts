/**
 * Warm-up: a few predictions on a synthetic image right after the model loads, so that the first
 * real request does not pay for V8 compiling ort's kernels (lazily, then optimised) and the
 * service's own JavaScript. On a loaded 2-core machine that first request took 300–450 ms
 * instead of a few ms.
 *
 * @module
 */
import type { ModelRuntime } from "../../../model/core/mod.ts";
import { predictImage } from "./pipeline.ts";
import { encodeBmp } from "../../../model/core/mod.ts";

/**
 * An uncompressed 24-bit bottom-up BMP of `width`×`height` with a smooth colour gradient (the
 * fused BMP path and the general decoder both accept it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bmp = syntheticBmp(64, 48);
 * assert.equal(bmp.length, 54 + 64 * 3 * 48); // 24-bit, rows need no padding
 * ```
 */
export function syntheticBmp(width: number, height: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = 200;
      data[p + 1] = ((height - 1 - y) * 255) / Math.max(1, height - 1);
      data[p + 2] = (x * 255) / Math.max(1, width - 1);
      data[p + 3] = 255;
    }
  }
  return encodeBmp({ width, height, data });
}

/** Lets the event loop answer pending I/O (health checks, real requests) before going on. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Warms the service up in the background: `predictions` full predictions (fused BMP path, hashing,
 * scoring) on a synthetic BMP of twice the model's input size, then `inferences` more model runs,
 * enough for V8 to optimise ort's hot kernels (the first ~20 runs of a fresh process are 3–4×
 * slower than later ones). Every step first yields to the event loop, so a real request waits for
 * at most one warm-up run. Returns the milliseconds spent; never throws (a failed warm-up only
 * means slower first requests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const ms = await warmUp(runtime, { predictions: 1, inferences: 2 }); // the service: once loaded, before ready
 * assert.ok(ms > 0);
 * await runtime.close();
 * ```
 */
export async function warmUp(
  runtime: ModelRuntime,
  options: { predictions?: number; inferences?: number } = {},
): Promise<number> {
  const t0 = performance.now();
  const { predictions = 2, inferences = 30 } = options;
  const size = runtime.card.preprocess.size;
  const side = Math.max(16, size * 2);
  const bytes = syntheticBmp(side, side);
  const limits = { maxPixels: side * side, minSide: 1 };
  try {
    for (let i = 0; i < predictions; i++) {
      await yieldToEventLoop();
      await predictImage(runtime, { bytes, format: "bmp" }, limits);
    }
    const input = new Float32Array(3 * size * size);
    for (let i = 0; i < inferences; i++) {
      await yieldToEventLoop();
      await runtime.run(input);
    }
  } catch {
    // first requests will be slower; nothing else depends on this
  }
  return performance.now() - t0;
}
