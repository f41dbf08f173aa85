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
  /**
   * Optional pooled features: the global-average-pooled last feature maps that the heads read,
   * shape [N, C] (the domain check's feature distance, {@link FeatureDomainCheck}).
   */
  features?: string;
  /**
   * Where the cells of `cam` lie on the model input (read from the graph when the card is written;
   * absent on older cards, which then assume evenly spaced cells). See {@link CamGrid}.
   */
  camGrid?: CamGrid;
}

/**
 * The class-activation map's grid on the model input: cell (row i, column j) is centred at
 * x = origin[0] + step[0]·j, y = origin[1] + step[1]·i, in model-input pixels where pixel k's
 * centre is k + 0.5. Evenly spaced cells of an n-cell map on a `size`-px input would have
 * step = size/n and origin = step/2; TensorFlow "same" padding on even sizes shifts them.
 */
export interface CamGrid {
  origin: [number, number];
  step: [number, number];
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

/**
 * The input-domain check (out-of-domain inputs get `review`): statistics of the resized [0,1]
 * image (`imageStats`: channel means and stds, dark share, saturation, background tint) must fall
 * in range, and, when `features` is set, the image's pooled features must lie near the training
 * images' (a Mahalanobis distance at most a threshold).
 */
export interface DomainCheck {
  /** Inclusive [min, max] per statistic name (e.g. `meanR`, `stdG`, `darkFraction`). */
  ranges: Record<string, [number, number]>;
  /** Distance in the network's own pooled-feature space; optional. */
  features?: FeatureDomainCheck;
}

/**
 * A Mahalanobis distance in the model's pooled-feature space:
 * d = ‖W (f − mean)‖₂, with `W` the whitening of the training features' (shrunk) covariance
 * (Wᵀ W = Σ⁻¹); the image is out of domain when d > `threshold`.
 */
export interface FeatureDomainCheck {
  /** The graph output holding the features, shape [N, dims] (the exporter's `features`). */
  output: string;
  /** Mean of the training images' features (length `dims`). */
  mean: number[];
  /** `dims`×`dims` whitening matrix, row-major (e.g. the inverse Cholesky factor of Σ). */
  whitening: number[];
  /** Number of features C. */
  dims: number;
  /** Largest in-domain distance (the validation images' chosen quantile). */
  threshold: number;
  /** How it was fitted (for the record; not read by the check). */
  fitted: {
    /** Training images the mean and covariance come from. */
    images: number;
    /** Shrinkage λ of the covariance toward its diagonal: Σ = (1 − λ) S + λ diag(S). */
    shrinkage: number;
    /** Quantile of the validation images' distances taken as the threshold. */
    quantile: number;
    /** Validation images the threshold comes from (with `thresholdOn: "train"`, the training images). */
    validationImages: number;
    /**
     * Absent: the threshold is the quantile of validation images' distances. `train`: of the
     * training images' own distances, for a refit on every non-test image (no val split); the
     * network has seen them, so they sit closer than new images and the quantile is taken higher.
     */
    thresholdOn?: "train";
  };
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
  if (io!.camGrid !== undefined && !isCamGrid(io!.camGrid)) {
    fail(`"io.camGrid" must be {origin: [x, y], step: [x, y]} with finite numbers and steps > 0`);
  }
  if (io!.subtypeLogits !== undefined && !Array.isArray(c.subtypes)) {
    fail(`"subtypes" must list the subtype head's classes`);
  }
  if (c.domain !== undefined) {
    const domainProblem = domainCheckProblem(c.domain);
    if (domainProblem) fail(domainProblem);
  }
  return {
    ...c,
    preprocess: { alphaBackground: 0, channelOrder: "RGB", ...(p as object) },
  } as unknown as ModelCard;
}

function isCamGrid(v: unknown): v is CamGrid {
  const g = v as Partial<CamGrid> | null;
  const pair = (a: unknown) => Array.isArray(a) && a.length === 2 && a.every((x) => Number.isFinite(x));
  return typeof g === "object" && g !== null && pair(g.origin) && pair(g.step) && g.step!.every((x) => x > 0);
}

/** What is wrong with `preprocess.stainNormalization`, or undefined. */
function stainProblem(value: unknown): string | undefined {
  const s = value as Record<string, unknown> | null;
  if (typeof s !== "object" || s === null || s.method !== "macenko") {
    return `"preprocess.stainNormalization.method" must be "macenko"`;
  }
  const unit = (v: unknown) =>
    Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number" && x >= 0 && x <= 1) &&
    Math.abs(Math.hypot(v[0], v[1], v[2]) - 1) < 1e-3;
  if (!(Array.isArray(s.stains) && s.stains.length === 2 && s.stains.every(unit))) {
    return `"preprocess.stainNormalization.stains" must be two unit RGB optical-density vectors with components in [0, 1]`;
  }
  const m = s.maxConcentrations;
  if (!(Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === "number" && x > 0 && x <= 10))) {
    return `"preprocess.stainNormalization.maxConcentrations" must be two numbers in (0, 10]`;
  }
  return undefined;
}

/** What is wrong with `preprocess.scale`, or undefined. */
function scaleProblem(value: unknown): string | undefined {
  const s = value as Record<string, unknown> | null;
  if (typeof s !== "object" || s === null) return `"preprocess.scale" must be an object`;
  const r = s.redCellRadius;
  if (!(typeof r === "number" && r >= 1 && r <= 64)) {
    return `"preprocess.scale.redCellRadius" must be a number in [1, 64]`;
  }
  const w = s.workingSize;
  if (!(Number.isInteger(w) && (w as number) >= 32 && (w as number) <= 1024)) {
    return `"preprocess.scale.workingSize" must be an integer in [32, 1024]`;
  }
  const z = s.zoomRange;
  if (
    !(Array.isArray(z) && z.length === 2 && z.every((v) => typeof v === "number") && z[0] >= 0.25 && z[0] <= 1 &&
      z[1] >= 1 && z[1] <= 4)
  ) {
    return `"preprocess.scale.zoomRange" must be [least, largest] with 0.25 ≤ least ≤ 1 ≤ largest ≤ 4`;
  }
  return undefined;
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
  if (p.scale !== undefined) {
    const problem = scaleProblem(p.scale);
    if (problem) return problem;
  }
  if (p.stainNormalization !== undefined) {
    const problem = stainProblem(p.stainNormalization);
    if (problem) return problem;
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

/**
 * What is wrong with a domain check (the card's `domain`, or a run's `domain.json`), or
 * `undefined` when it is usable. Field names are given as in the card.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(domainCheckProblem({ ranges: { stdR: [0.01, 0.4] } }), undefined);
 * const features = { output: "features", mean: [0, 0], whitening: [1, 0, 0, 1], dims: 2, threshold: 3,
 *   fitted: { images: 10, shrinkage: 0.1, quantile: 0.995, validationImages: 5 } };
 * assert.equal(domainCheckProblem({ ranges: {}, features }), undefined);
 * assert.equal(
 *   domainCheckProblem({ ranges: {}, features: { ...features, whitening: [1, 0, 0] } }),
 *   '"domain.features.whitening" must hold dims × dims = 4 finite numbers',
 * );
 * ```
 */
export function domainCheckProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `"domain" must be an object with "ranges"`;
  if (!isObject(value.ranges)) return `"domain.ranges" must be an object of [min, max] per statistic`;
  for (const [k, r] of Object.entries(value.ranges)) {
    if (
      !Array.isArray(r) || r.length !== 2 || typeof r[0] !== "number" || typeof r[1] !== "number" || !(r[0] <= r[1])
    ) {
      return `"domain.ranges.${k}" must be [min, max] with min ≤ max`;
    }
  }
  if (value.features === undefined) return undefined;
  const f = value.features;
  if (!isObject(f)) return `"domain.features" must be an object`;
  if (typeof f.output !== "string" || f.output === "") {
    return `"domain.features.output" must name the graph's features output`;
  }
  const dims = f.dims;
  if (!Number.isInteger(dims) || (dims as number) < 1) return `"domain.features.dims" must be a positive integer`;
  const c = dims as number;
  if (!isFiniteList(f.mean, c)) return `"domain.features.mean" must hold dims = ${c} finite numbers`;
  if (!isFiniteList(f.whitening, c * c)) {
    return `"domain.features.whitening" must hold dims × dims = ${c * c} finite numbers`;
  }
  if (typeof f.threshold !== "number" || !(f.threshold > 0) || !Number.isFinite(f.threshold)) {
    return `"domain.features.threshold" must be a finite number > 0`;
  }
  const fit = f.fitted;
  if (!isObject(fit)) return `"domain.features.fitted" must say how the check was fitted`;
  for (const k of ["images", "validationImages"]) {
    if (!Number.isInteger(fit[k]) || (fit[k] as number) < 1) return `"domain.features.fitted.${k}" must be a count ≥ 1`;
  }
  if (typeof fit.shrinkage !== "number" || !(fit.shrinkage >= 0 && fit.shrinkage <= 1)) {
    return `"domain.features.fitted.shrinkage" must be in [0, 1]`;
  }
  if (typeof fit.quantile !== "number" || !(fit.quantile > 0 && fit.quantile <= 1)) {
    return `"domain.features.fitted.quantile" must be in (0, 1]`;
  }
  if (fit.thresholdOn !== undefined && fit.thresholdOn !== "train") {
    return `"domain.features.fitted.thresholdOn" must be "train" or absent (validation images)`;
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isFiniteList(v: unknown, n: number): boolean {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" && Number.isFinite(x));
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
