/**
 * A deliberately simple colour-only classifier, used as the reference that the model must beat
 * under colour shift: logistic regression on a coarse joint RGB histogram (bins³ cells, fractions
 * of pixels) plus the per-channel mean and standard deviation of the resized [0, 1] image.
 * Features are standardised with the training statistics; classes are weighted to balance;
 * training is full-batch gradient descent with L2. Deterministic (zero initialisation).
 *
 * @module
 */
import type { FloatRgbImage } from "../../../functions/lib/preprocess/types.ts";

/** A fitted colour baseline (JSON-serialisable). */
export interface ColourBaseline {
  kind: "colour-logreg";
  /** Histogram bins per channel. */
  bins: number;
  featureMean: number[];
  featureStd: number[];
  weights: number[];
  bias: number;
}

/** Training options for {@link fitColourBaseline}. */
export interface ColourFitOptions {
  bins?: number;
  /** L2 penalty on the weights (default 1e-3). */
  l2?: number;
  iterations?: number;
  learningRate?: number;
}

/**
 * Colour features of an image: bins³ histogram fractions, then mean R,G,B and std R,G,B.
 *
 * @example
 * ```ts
 * const f = colourFeatures({ width: 1, height: 1, data: new Float32Array([1, 0, 0]) }, 2);
 * f.length; // 8 + 6; f[4] (R high, G low, B low) = 1
 * ```
 */
export function colourFeatures(img: FloatRgbImage, bins: number): Float64Array {
  const nb = bins * bins * bins;
  const f = new Float64Array(nb + 6);
  const d = img.data;
  const n = img.width * img.height;
  const q = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor(v * bins)));
  const sum = [0, 0, 0], sq = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const r = d[3 * i], g = d[3 * i + 1], b = d[3 * i + 2];
    f[(q(r) * bins + q(g)) * bins + q(b)] += 1 / n;
    sum[0] += r; sum[1] += g; sum[2] += b;
    sq[0] += r * r; sq[1] += g * g; sq[2] += b * b;
  }
  for (let c = 0; c < 3; c++) {
    const m = sum[c] / n;
    f[nb + c] = m;
    f[nb + 3 + c] = Math.sqrt(Math.max(0, sq[c] / n - m * m));
  }
  return f;
}

/**
 * Fits the baseline on training images (`positive[i]` = label `all`).
 *
 * @example
 * ```ts
 * const model = fitColourBaseline(trainImages, trainLabels);
 * predictColourBaseline(model, testImage); // p(all)
 * ```
 */
export function fitColourBaseline(
  images: readonly FloatRgbImage[],
  positive: readonly boolean[],
  opts: ColourFitOptions = {},
): ColourBaseline {
  const bins = opts.bins ?? 4;
  const l2 = opts.l2 ?? 1e-3;
  const iterations = opts.iterations ?? 400;
  const lr = opts.learningRate ?? 0.5;
  if (images.length !== positive.length || images.length === 0) {
    throw new Error(`fitColourBaseline: need equally many images and labels (got ${images.length} and ${positive.length})`);
  }
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error("fitColourBaseline: the training images must contain both classes");
  const X = images.map((im) => colourFeatures(im, bins));
  const dim = X[0].length;
  const mean = new Array(dim).fill(0), std = new Array(dim).fill(0);
  for (const x of X) for (let j = 0; j < dim; j++) mean[j] += x[j] / X.length;
  for (const x of X) for (let j = 0; j < dim; j++) std[j] += (x[j] - mean[j]) ** 2 / X.length;
  // floor: a feature nearly constant in training must not explode on a slightly different image
  for (let j = 0; j < dim; j++) std[j] = Math.max(Math.sqrt(std[j]), 1e-2);
  const Z = X.map((x) => x.map((v, j) => (v - mean[j]) / std[j]));
  // class weights so both classes carry half the loss
  const wPos = 0.5 / nPos, wNeg = 0.5 / nNeg;
  const w = new Float64Array(dim);
  let bias = 0;
  const grad = new Float64Array(dim);
  for (let it = 0; it < iterations; it++) {
    grad.fill(0);
    let gb = 0;
    for (let i = 0; i < Z.length; i++) {
      const z = Z[i];
      let s = bias;
      for (let j = 0; j < dim; j++) s += w[j] * z[j];
      const p = 1 / (1 + Math.exp(-s));
      const y = positive[i] ? 1 : 0;
      const e = (p - y) * (positive[i] ? wPos : wNeg);
      gb += e;
      for (let j = 0; j < dim; j++) grad[j] += e * z[j];
    }
    for (let j = 0; j < dim; j++) w[j] -= lr * (grad[j] + l2 * w[j]);
    bias -= lr * gb;
  }
  return { kind: "colour-logreg", bins, featureMean: mean, featureStd: std, weights: Array.from(w), bias };
}

/**
 * p(all) of one image under a fitted baseline.
 *
 * @example
 * ```ts
 * predictColourBaseline(model, floatImg) >= 0.5; // predicted `all`
 * ```
 */
export function predictColourBaseline(model: ColourBaseline, img: FloatRgbImage): number {
  const x = colourFeatures(img, model.bins);
  if (x.length !== model.weights.length) {
    throw new Error(`colour baseline expects ${model.weights.length} features, got ${x.length}; refit it`);
  }
  let s = model.bias;
  for (let j = 0; j < x.length; j++) s += model.weights[j] * (x[j] - model.featureMean[j]) / model.featureStd[j];
  return 1 / (1 + Math.exp(-s));
}

/**
 * Checks that parsed JSON is a {@link ColourBaseline}.
 *
 * @example
 * ```ts
 * const model = parseColourBaseline(JSON.parse(await readFile("runs/x/colour_baseline.json", "utf8")));
 * ```
 */
export function parseColourBaseline(value: unknown): ColourBaseline {
  const v = value as Partial<ColourBaseline> | null;
  const dim = v?.bins ? v.bins ** 3 + 6 : -1;
  if (
    !v || v.kind !== "colour-logreg" || !Number.isInteger(v.bins) || typeof v.bias !== "number" ||
    [v.weights, v.featureMean, v.featureStd].some((a) => !Array.isArray(a) || a.length !== dim)
  ) {
    throw new Error(`not a colour-logreg baseline (kind, bins, weights, featureMean, featureStd, bias); refit it with scripts/evaluate_shift.ts --fit-baseline`);
  }
  return v as ColourBaseline;
}
