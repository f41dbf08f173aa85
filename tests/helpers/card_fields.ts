/**
 * A minimal, valid set of model card fields (32 px, per-image normalisation, band [0.4, 0.6)) for
 * tests that build, parse or write cards.
 *
 * @module
 */
import type { ModelCardFields, PreprocessSpec } from "../../model/core/mod.ts";

/**
 * The preprocessing part of {@link TEST_CARD_FIELDS}.
 *
 * @example
 * ```ts
 * if (TEST_PREPROCESS.size !== 32) throw new Error("32 px");
 * ```
 */
export const TEST_PREPROCESS: PreprocessSpec = {
  size: 32,
  crop: "none",
  resize: "area",
  normalization: { mode: "per-image", minStd: 0.02 },
  channelOrder: "RGB",
  alphaBackground: 0,
};

/**
 * Card fields for a float model `t.onnx` with only a logit output.
 *
 * @example
 * ```ts
 * import { buildModelCard } from "../../model/core/mod.ts";
 * const card = await buildModelCard(TEST_CARD_FIELDS, new TextEncoder().encode("abc"));
 * if (card.threshold !== 0.5) throw new Error("threshold 0.5");
 * ```
 */
export const TEST_CARD_FIELDS: ModelCardFields = {
  id: "t",
  version: "1.0.0",
  file: "t.onnx",
  precision: "float32",
  opset: 17,
  architecture: "test",
  io: { input: "image", logit: "logit" },
  preprocess: TEST_PREPROCESS,
  labels: ["normal", "all"],
  positiveLabel: "all",
  temperature: 1,
  threshold: 0.5,
  reviewBand: [0.4, 0.6],
};
