/**
 * A model runtime without onnxruntime, for route tests: deterministic outputs computed from the
 * input tensor, so every route can be tested fast and exactly.
 *
 * @module
 */
import type { ModelCard } from "../../model/core/card/card.ts";
import type { ModelOutputs, ModelRuntime } from "../../model/core/onnx/runtime.ts";

/**
 * A card like the exporter writes, 32 px input, subtype head and CAM; override any field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = fakeCard({ threshold: 0.7 });
 * assert.deepEqual([card.threshold, card.preprocess.size], [0.7, 32]);
 * ```
 */
export function fakeCard(overrides: Partial<ModelCard> = {}): ModelCard {
  return {
    id: "all-fake",
    version: "0.0.1",
    sha256: "f".repeat(64),
    created: "2025-01-01T00:00:00Z",
    file: "fake.onnx",
    precision: "float32",
    opset: 17,
    architecture: "fake",
    io: { input: "input", logit: "logit", subtypeLogits: "subtype_logits", cam: "cam" },
    preprocess: {
      size: 32,
      crop: "none",
      resize: "area",
      normalization: { mode: "fixed", mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      channelOrder: "RGB",
      alphaBackground: 0,
    },
    labels: ["normal", "all"],
    positiveLabel: "all",
    subtypes: ["Benign", "Early", "Pre", "Pro"],
    temperature: 1,
    threshold: 0.5,
    reviewBand: [0.4, 0.6],
    ...overrides,
  };
}

/**
 * Runtime whose logit is `logitOf(input)` (default: 4 × mean of the red channel tensor), subtype
 * logits [0, 1, 2, 3], CAM = the red channel averaged over 8×8 blocks (4×4 map).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const runtime = fakeRuntime(fakeCard(), () => 3);
 * const out = await runtime.run(new Float32Array(3 * 32 * 32), { cam: true });
 * assert.equal(out.logit, 3);
 * assert.deepEqual([out.cam?.width, out.cam?.height, runtime.calls], [4, 4, 1]);
 * ```
 */
export function fakeRuntime(
  card: ModelCard = fakeCard(),
  logitOf: (input: Float32Array) => number = (x) => 4 * mean(x.subarray(0, x.length / 3)),
): ModelRuntime & { calls: number } {
  const size = card.preprocess.size;
  const runtime = {
    card,
    backend: "web" as const,
    calls: 0,
    async score(batch: Float32Array, n: number) {
      const per = 3 * size * size;
      const logits = new Float32Array(n);
      for (let i = 0; i < n; i++) logits[i] = (await runtime.run(batch.slice(i * per, (i + 1) * per))).logit;
      return { logits };
    },
    run(input: Float32Array, options?: { cam?: boolean }): Promise<ModelOutputs> {
      runtime.calls++;
      if (input.length !== 3 * size * size) throw new RangeError("bad input length");
      const out: ModelOutputs = { logit: logitOf(input) };
      if (card.io.subtypeLogits) out.subtypeLogits = new Float32Array([0, 1, 2, 3]);
      if (options?.cam && card.io.cam) {
        const b = size / 4;
        const data = new Float32Array(16);
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            data[Math.floor(y / b) * 4 + Math.floor(x / b)] += input[y * size + x] / (b * b);
          }
        }
        out.cam = { width: 4, height: 4, data };
      }
      return Promise.resolve(out);
    },
    close: () => Promise.resolve(),
  };
  return runtime;
}

function mean(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}
