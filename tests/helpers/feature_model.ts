/**
 * A tiny ONNX model with a pooled-features output, built in code (no tfjs): image [N, 3, 32, 32]
 * → Conv 3×3 (6 channels, seeded) → Relu → GlobalAveragePool → Flatten = `features` [N, 6] →
 * Gemm = `logit` [N, 1]; and its card (the test card fields, `io.features` set), for tests of the
 * input-domain check's feature distance. Not a committed model.
 *
 * @module
 */
import { buildModelCard, type DomainCheck, type ModelCard, seededRandom } from "../../model/core/mod.ts";
import { DType, encodeModel, node, tensor, valueInfo } from "../../scripts/lib/onnx/proto.ts";
import { TEST_CARD_FIELDS } from "./card_fields.ts";

/** Pooled features of {@link syntheticFeatureModel}. */
export const FEATURE_DIMS = 6;

/**
 * The model's bytes and a card for it (with `domain` when given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runModel } from "../../model/core/mod.ts";
 * const { bytes, card } = await syntheticFeatureModel();
 * assert.equal(card.io.features, "features");
 * const out = await runModel(bytes, { image: { dims: [2, 3, 32, 32], data: new Float32Array(2 * 3 * 32 * 32) } });
 * assert.deepEqual(out.features.dims, [2, FEATURE_DIMS]);
 * ```
 */
export async function syntheticFeatureModel(domain?: DomainCheck): Promise<{ bytes: Uint8Array; card: ModelCard }> {
  const rand = seededRandom(7);
  const c = FEATURE_DIMS;
  const conv = Float32Array.from({ length: c * 3 * 3 * 3 }, () => rand() - 0.5);
  const convBias = Float32Array.from({ length: c }, () => 0.1 * (rand() - 0.5));
  const head = Float32Array.from({ length: c }, () => rand() - 0.5);
  const bytes = encodeModel({
    irVersion: 8,
    producerName: "tests/helpers/feature_model.ts",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "feature_test",
      node: [
        node("Conv", ["image", "conv.weight", "conv.bias"], ["conv"], "conv", {
          kernel_shape: [3, 3],
          pads: [1, 1, 1, 1],
        }),
        node("Relu", ["conv"], ["relu"], "relu"),
        node("GlobalAveragePool", ["relu"], ["pool"], "pool"),
        node("Flatten", ["pool"], ["features"], "flatten", { axis: 1 }),
        node("Gemm", ["features", "logit.weight", "logit.bias"], ["logit"], "logit", { transB: 1 }),
      ],
      initializer: [
        tensor("conv.weight", [c, 3, 3, 3], conv),
        tensor("conv.bias", [c], convBias),
        tensor("logit.weight", [1, c], head),
        tensor("logit.bias", [1], new Float32Array([0.1])),
      ],
      input: [valueInfo("image", DType.FLOAT, ["N", 3, 32, 32])],
      output: [valueInfo("logit", DType.FLOAT, ["N", 1]), valueInfo("features", DType.FLOAT, ["N", c])],
    },
  });
  const card = await buildModelCard({
    ...TEST_CARD_FIELDS,
    id: "feature-test",
    io: { input: "image", logit: "logit", features: "features" },
    ...(domain ? { domain } : {}),
  }, bytes);
  return { bytes, card };
}
