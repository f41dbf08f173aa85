/**
 * The model card: the JSON file written beside every exported `.onnx` model
 * (`model/<name>.onnx` → `model/<name>.json`). It is the single contract between the
 * offline pipeline (which writes it) and the service (which reads everything it needs
 * from it: nothing about the model is hard-coded in the service).
 *
 * @module
 */
import { isBrightFraction } from "../preprocess/white_balance.ts";
import type { PreprocessSpec } from "../preprocess/spec.ts";

export type { ColorNormalization, PreprocessSpec } from "../preprocess/spec.ts";

/** Class labels the service answers with. `all` is the positive (malignant) class. */
export type Label = "all" | "normal";

/** The service's decision: a label, or `review` when a person must look first. */
export type Decision = Label | "review";

/** Names and shapes of the ONNX graph's inputs and outputs (NCHW). */
export interface ModelIO {
  /** Input tensor name; shape [N, 3, size, size], float32. */
  input: string;
  /** Output with the `all`-vs-`normal` logit; shape [N, 1]. p(all) = sigmoid(logit / temperature). */
  logit: string;
  /** Optional subtype logits, shape [N, subtypes.length]; softmax gives subtype scores. */
  subtypeLogits?: string;
  /**
   * Optional class-activation map: the binary head's weights applied to the last convolutional
   * feature maps, shape [N, 1, h, w] (logit contribution per location, bias included).
   */
  cam?: string;
}

/** Metric with an optional bootstrap 95% interval. */
export interface MetricValue {
  value: number;
  ci95?: [number, number];
}

/** The card, as stored in `model/<name>.json`. */
export interface ModelCard {
  id: string;
  version: string;
  /** SHA-256 (hex) of the `.onnx` file this card describes. */
  sha256: string;
  /** ISO date-time of the export. */
  created: string;
  /** File name of the model, relative to the card. */
  file: string;
  precision: "float32" | "int8-qdq";
  opset: number;
  architecture: string;
  io: ModelIO;
  preprocess: PreprocessSpec;
  /** Order of the binary output: index 1 is `all`. */
  labels: ["normal", "all"];
  positiveLabel: "all";
  /** Subtype names in the order of `io.subtypeLogits`, when the model has that head. */
  subtypes?: string[];
  /** Temperature for calibration (1 = none). */
  temperature: number;
  /** Decision threshold on p(all): p ≥ threshold → `all`. */
  threshold: number;
  /** p(all) inside [low, high) → decision `review`. */
  reviewBand: [number, number];
  /** Input-domain check (out-of-domain inputs get `review`); optional. */
  domain?: DomainCheck;
  data?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  intendedUse?: string;
  limits?: string[];
  [extra: string]: unknown;
}

/** Simple input-statistics check: statistics of the resized [0,1] image (`imageStats`: channel means and stds, dark share, saturation, background tint) must fall in range. */
export interface DomainCheck {
  /** Inclusive [min, max] per statistic name (e.g. `meanR`, `stdG`, `darkFraction`). */
  ranges: Record<string, [number, number]>;
}

/** Errors thrown when a card is unusable; the message tells the operator what to fix. */
export class ModelCardError extends Error {
  override name = "ModelCardError";
}

/**
 * Checks that a parsed JSON value is a usable model card and returns it typed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = parseModelCard(JSON.parse(await Deno.readTextFile("model/all-v4.int8.json")));
 * assert.equal(card.preprocess.size, 96);
 * assert.throws(() => parseModelCard({ id: "x" }), ModelCardError);
 * ```
 */
export function parseModelCard(value: unknown): ModelCard {
  const fail = (what: string): never => {
    throw new ModelCardError(`model card: ${what}; write the card again with scripts/card.ts (deno task card)`);
  };
  if (typeof value !== "object" || value === null) fail("not a JSON object");
  const c = value as Record<string, unknown>;
  for (const k of ["id", "version", "file"]) {
    if (typeof c[k] !== "string" || c[k] === "") fail(`"${k}" must be a non-empty string`);
  }
  const io = c.io as Record<string, unknown> | undefined;
  if (!io || typeof io.input !== "string" || typeof io.logit !== "string") {
    fail(`"io.input" and "io.logit" must name the graph's input and logit output`);
  }
  const p = c.preprocess as Record<string, unknown> | undefined;
  const problem = preprocessSpecProblem(p);
  if (problem) fail(problem);
  if (typeof c.threshold !== "number" || !(c.threshold > 0 && c.threshold < 1)) fail(`"threshold" must be in (0, 1)`);
  const band = c.reviewBand;
  if (!Array.isArray(band) || band.length !== 2 || !(band[0] <= band[1])) {
    fail(`"reviewBand" must be [low, high] with low ≤ high`);
  }
  if (typeof c.temperature !== "number" || !(c.temperature > 0)) fail(`"temperature" must be > 0`);
  if (io!.subtypeLogits !== undefined && !Array.isArray(c.subtypes)) {
    fail(`"subtypes" must list the subtype head's classes`);
  }
  return {
    ...c,
    preprocess: { alphaBackground: 0, channelOrder: "RGB", ...(p as object) },
  } as unknown as ModelCard;
}

/**
 * What is wrong with a preprocessing spec (the card's `preprocess`, or a training run's
 * `preprocess.json`), or `undefined` when it is usable. Field names are given as in the card.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ok = { size: 96, crop: "none", resize: "area", normalization: { mode: "per-image", minStd: 0.01 } };
 * assert.equal(preprocessSpecProblem(ok), undefined);
 * assert.equal(preprocessSpecProblem({ ...ok, resize: "bilinear" }), '"preprocess.resize" must be "area"');
 * ```
 */
export function preprocessSpecProblem(value: unknown): string | undefined {
  const p = value as Record<string, unknown> | undefined;
  if (
    typeof p !== "object" || p === null || !Number.isInteger(p.size) || (p.size as number) < 8 ||
    (p.size as number) > 1024
  ) {
    return `"preprocess.size" must be an integer between 8 and 1024`;
  }
  if (p.crop !== "none" && p.crop !== "center-square") return `"preprocess.crop" must be none or center-square`;
  if (p.resize !== "area") return `"preprocess.resize" must be "area"`;
  if (p.colorMode !== undefined && !["rgb", "grey", "relative-chroma"].includes(p.colorMode as string)) {
    return `"preprocess.colorMode" must be rgb, grey or relative-chroma`;
  }
  const wb = p.whiteBalance as Record<string, unknown> | undefined;
  if (wb !== undefined && !isBrightFraction(wb?.brightFraction)) {
    return `"preprocess.whiteBalance.brightFraction" must be in (0, 0.5]`;
  }
  const n = p.normalization as Record<string, unknown> | undefined;
  if (!n || (n.mode !== "fixed" && n.mode !== "per-image")) {
    return `"preprocess.normalization.mode" must be fixed or per-image`;
  }
  if (n.mode === "fixed" && (!isTriple(n.mean) || !isTriple(n.std))) {
    return `fixed normalisation needs mean and std triples`;
  }
  if (n.mode === "per-image" && !(typeof n.minStd === "number" && n.minStd > 0)) {
    return `per-image normalisation needs minStd > 0`;
  }
  return undefined;
}

function isTriple(v: unknown): boolean {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number" && Number.isFinite(x));
}

/**
 * Turns a calibrated probability into the service's decision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(decide(0.97, { threshold: 0.5, reviewBand: [0.2, 0.8] }), "all");
 * assert.equal(decide(0.6, { threshold: 0.5, reviewBand: [0.2, 0.8] }), "review");
 * assert.equal(decide(0.1, { threshold: 0.5, reviewBand: [0.2, 0.8] }), "normal");
 * ```
 */
export function decide(pAll: number, card: Pick<ModelCard, "threshold" | "reviewBand">): Decision {
  const [lo, hi] = card.reviewBand;
  if (pAll >= lo && pAll < hi) return "review";
  return pAll >= card.threshold ? "all" : "normal";
}

/** Calibrated p(all) from the model's logit. */
export function probabilityFromLogit(logit: number, temperature: number): number {
  return 1 / (1 + Math.exp(-logit / temperature));
}
