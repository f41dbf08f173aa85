/**
 * Test helpers: reading the committed real-image tensors and making seeded synthetic batches.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { seededRandom } from "../../scripts/lib/onnx/seeded.ts";

/** tests/fixtures/models, resolved from this file. */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/models");

/**
 * The committed real C-NMC images at `size` (32 or 33): NCHW batch and labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { x, dims, labels } = realImages(32);
 * assert.deepEqual(dims, [labels.length, 3, 32, 32]);
 * assert.equal(x.length, dims.reduce((a, b) => a * b));
 * ```
 */
export function realImages(size: 32 | 33): { x: Float32Array; dims: number[]; labels: string[] } {
  const meta = JSON.parse(readFileSync(join(FIXTURE_DIR, "cnmc_real.json"), "utf8")) as { labels: string[] };
  const buf = readFileSync(join(FIXTURE_DIR, `cnmc_real.${size}.f32`));
  const x = new Float32Array(new Uint8Array(buf).buffer);
  const n = x.length / (3 * size * size);
  if (n !== meta.labels.length) {
    throw new Error(
      `cnmc_real.${size}.f32 holds ${n} images but cnmc_real.json lists ${meta.labels.length}; rerun scripts/make_test_model.ts`,
    );
  }
  return { x, dims: [n, 3, size, size], labels: meta.labels };
}

/**
 * A seeded batch of roughly standard-normal values (like per-image normalised pixels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const x = syntheticBatch([2, 3, 32, 32], 5);
 * assert.equal(x.length, 2 * 3 * 32 * 32);
 * assert.deepEqual(syntheticBatch([2, 3, 32, 32], 5), x); // same seed, same batch
 * ```
 */
export function syntheticBatch(dims: readonly number[], seed: number): Float32Array {
  const rand = seededRandom(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => (rand() + rand() + rand() + rand() - 2) * 1.7);
}
