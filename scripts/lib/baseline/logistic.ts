/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on standardised features.
 *
 * @module
 */

/** A fitted model: logit = bias + Σ weights[j] · (x[j] − mean[j]) / scale[j]. */
export interface LogisticModel {
  weights: number[];
  bias: number;
  mean: number[];
  scale: number[];
}

/** Options of {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty on the standardised weights (not the bias), added to the summed NLL. Default 1. */
  l2?: number;
  /** Newton steps at most (default 50); stops earlier when the step is tiny. */
  iterations?: number;
}

/**
 * Solves A x = b by Gaussian elimination with partial pivoting (A is copied).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(solveLinear([[2, 1], [1, 3]], [3, 5]).map((v) => v.toFixed(3)), ["0.800", "1.400"]);
 * ```
 */
export function solveLinear(a: readonly number[][], b: readonly number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-300) throw new Error("solveLinear: matrix is singular; add L2 regularisation");
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      if (f !== 0) { for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k]; }
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/**
 * The model's logit for one feature vector.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // the baseline calls it with colourFeatures(img); one feature here
 * const model = fitLogistic([[0], [1], [2], [3]], [false, false, true, true]);
 * assert.ok(logisticLogit(model, [3]) > 0); // more likely `all`
 * assert.ok(logisticLogit(model, [0]) < 0);
 * ```
 */
export function logisticLogit(model: LogisticModel, x: readonly number[]): number {
  let z = model.bias;
  for (let j = 0; j < model.weights.length; j++) z += model.weights[j] * (x[j] - model.mean[j]) / model.scale[j];
  return z;
}

/**
 * Fits the model to rows `x` with targets `y` (true = `all`). Constant features get scale 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const model = fitLogistic([[0], [1], [2], [3]], [false, false, true, true]);
 * assert.equal(logisticLogit(model, [3]) > 0, true);
 * ```
 */
export function fitLogistic(x: readonly number[][], y: readonly boolean[], opts: LogisticOptions = {}): LogisticModel {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new Error(`fitLogistic: need matching non-empty x (${n}) and y (${y.length})`);
  const d = x[0].length;
  const l2 = opts.l2 ?? 1;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  for (const row of x) for (let j = 0; j < d; j++) scale[j] += (row[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = scale[j] > 1e-12 ? Math.sqrt(scale[j]) : 1;
  const z = x.map((row) => [1, ...row.map((v, j) => (v - mean[j]) / scale[j])]);
  const w = new Array<number>(d + 1).fill(0);
  for (let it = 0; it < (opts.iterations ?? 50); it++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const zi = z[i];
      let s = 0;
      for (let j = 0; j <= d; j++) s += w[j] * zi[j];
      const p = 1 / (1 + Math.exp(-s));
      const r = p - (y[i] ? 1 : 0);
      const h = Math.max(p * (1 - p), 1e-12);
      for (let j = 0; j <= d; j++) {
        grad[j] += r * zi[j];
        const hz = h * zi[j];
        for (let k = j; k <= d; k++) hess[j][k] += hz * zi[k];
      }
    }
    for (let j = 1; j <= d; j++) {
      grad[j] += l2 * w[j];
      hess[j][j] += l2;
    }
    for (let j = 0; j <= d; j++) for (let k = 0; k < j; k++) hess[j][k] = hess[k][j];
    hess[0][0] += 1e-9;
    const step = solveLinear(hess, grad);
    let maxStep = 0;
    for (let j = 0; j <= d; j++) {
      w[j] -= step[j];
      maxStep = Math.max(maxStep, Math.abs(step[j]));
    }
    if (maxStep < 1e-8) break;
  }
  return { bias: w[0], weights: w.slice(1), mean, scale };
}
