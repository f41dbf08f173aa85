/**
 * Fitting the input-domain check's feature distance ({@link FeatureDomainCheck}): a Gaussian
 * model of the network's pooled features on the training images, and a threshold on the
 * Mahalanobis distance taken from the validation images.
 *
 * - **Mean and covariance** of the training originals' features (unshifted: the check is to
 *   flag what is foreign, not what is shifted).
 * - **Shrinkage toward the diagonal**: Σ = (1 − λ) S + λ diag(S). With C ≈ 100 features and
 *   ~2000 images the sample covariance S is full rank but its small eigenvalues are noisy, and
 *   the distance weighs them most. λ defaults to the Schäfer–Strimmer (2005) estimate for the
 *   "diagonal, unequal variance" target (their target D), the Ledoit–Wolf-type optimum
 *   λ* = Σ_{i≠j} Var(s_ij) / Σ_{i≠j} s_ij², clipped to [0, 1]; a fixed λ may be given instead.
 *   Variances are floored at 1e-6 × their mean (plus 1e-12) so that a feature that is constant in
 *   training (a ReLU unit that never fires) keeps Σ invertible; a foreign image that fires it is
 *   then very far, as it should be.
 * - **Whitening** W = L⁻¹ with Σ = L Lᵀ (Cholesky), so d = ‖W (f − mean)‖ and Wᵀ W = Σ⁻¹.
 * - **Threshold**: the `quantile` (default 0.995) of the validation originals' distances,
 *   interpolated linearly; an image is flagged when d > threshold.
 *
 * The check's numbers are rounded to 7 significant digits (float32 precision) before the
 * threshold is computed, with the service's own {@link featureDistance}, so offline and served
 * distances agree.
 *
 * @module
 */
import { featureDistance, type FeatureDomainCheck } from "../../../model/core/mod.ts";
import { quantileSorted } from "./fit.ts";

/** Features of `n` images, row-major `[n, dims]`. */
export interface FeatureRows {
  data: Float32Array | Float64Array;
  n: number;
  dims: number;
}

/** Mean and (unbiased) covariance of feature rows, plus what the shrinkage estimate needs. */
export interface Moments {
  mean: Float64Array;
  /** Sample covariance S, `dims`×`dims` row-major, divisor n − 1. */
  cov: Float64Array;
}

/**
 * Mean and unbiased sample covariance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { mean, cov } = moments({ data: Float64Array.from([0, 0, 2, 2, 4, 1]), n: 3, dims: 2 });
 * assert.deepEqual([...mean], [2, 1]);
 * assert.deepEqual([...cov], [4, 1, 1, 1]);
 * ```
 */
export function moments(rows: FeatureRows): Moments {
  const { data, n, dims: c } = rows;
  if (n < 2) throw new Error(`moments: ${n} images; a covariance needs at least 2 (more than the features, ${c})`);
  if (data.length !== n * c) throw new Error(`moments: ${data.length} values for ${n} images × ${c} features`);
  const mean = new Float64Array(c);
  for (let k = 0; k < n; k++) for (let j = 0; j < c; j++) mean[j] += data[k * c + j];
  for (let j = 0; j < c; j++) mean[j] /= n;
  const cov = new Float64Array(c * c);
  const x = new Float64Array(c);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < c; j++) x[j] = data[k * c + j] - mean[j];
    for (let i = 0; i < c; i++) {
      const xi = x[i];
      for (let j = i; j < c; j++) cov[i * c + j] += xi * x[j];
    }
  }
  for (let i = 0; i < c; i++) {
    for (let j = i; j < c; j++) {
      cov[i * c + j] /= n - 1;
      cov[j * c + i] = cov[i * c + j];
    }
  }
  return { mean, cov };
}

/**
 * Schäfer–Strimmer shrinkage intensity toward the diagonal of S:
 * λ* = Σ_{i≠j} Var(s_ij) / Σ_{i≠j} s_ij², clipped to [0, 1], with
 * Var(s_ij) = n / (n − 1)³ · Σ_k (w_kij − w̄_ij)², w_kij = (x_ki − x̄_i)(x_kj − x̄_j).
 * 0 when the features are uncorrelated in the sample (nothing to shrink).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // two strongly correlated features over many images: little shrinkage
 * const data = Float64Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? i : i - 1 + Math.sin(i)));
 * const lambda = diagonalShrinkage({ data, n: 200, dims: 2 });
 * assert.ok(lambda >= 0 && lambda < 0.01, String(lambda));
 * ```
 */
export function diagonalShrinkage(rows: FeatureRows, m: Moments = moments(rows)): number {
  const { data, n, dims: c } = rows;
  const { mean, cov } = m;
  let num = 0, den = 0;
  const x = new Float64Array(c);
  // Σ_k (w_kij − w̄_ij)² = Σ_k w_kij² − n w̄_ij², with w̄_ij = (n − 1)/n · s_ij
  const sumSq = new Float64Array(c * c);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < c; j++) x[j] = data[k * c + j] - mean[j];
    for (let i = 0; i < c; i++) {
      for (let j = i + 1; j < c; j++) {
        const w = x[i] * x[j];
        sumSq[i * c + j] += w * w;
      }
    }
  }
  for (let i = 0; i < c; i++) {
    for (let j = i + 1; j < c; j++) {
      const s = cov[i * c + j];
      const wBar = ((n - 1) / n) * s;
      const varS = (n / (n - 1) ** 3) * Math.max(0, sumSq[i * c + j] - n * wBar * wBar);
      num += 2 * varS;
      den += 2 * s * s;
    }
  }
  if (!(den > 0)) return 0;
  return Math.min(1, Math.max(0, num / den));
}

/**
 * Σ = (1 − λ) S + λ diag(S), with the diagonal floored (see the module notes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...shrinkCovariance(Float64Array.from([4, 2, 2, 1]), 2, 0.25)], [4, 1.5, 1.5, 1]);
 * ```
 */
export function shrinkCovariance(cov: Float64Array, dims: number, lambda: number): Float64Array {
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`shrinkage must be in [0, 1], got ${lambda}`);
  const c = dims;
  let meanVar = 0;
  for (let i = 0; i < c; i++) meanVar += cov[i * c + i] / c;
  const floor = 1e-6 * meanVar + 1e-12;
  const out = new Float64Array(c * c);
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      out[i * c + j] = i === j ? Math.max(cov[i * c + i], floor) : (1 - lambda) * cov[i * c + j];
    }
  }
  return out;
}

/**
 * Lower-triangular L with A = L Lᵀ (A symmetric positive definite, row-major).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...cholesky(Float64Array.from([4, 2, 2, 5]), 2)], [2, 0, 1, 2]);
 * assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite/);
 * ```
 */
export function cholesky(a: Float64Array, dims: number): Float64Array {
  const c = dims;
  const l = new Float64Array(c * c);
  for (let i = 0; i < c; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * c + j];
      for (let k = 0; k < j; k++) s -= l[i * c + k] * l[j * c + k];
      if (i === j) {
        if (!(s > 0)) {
          throw new Error(`cholesky: the covariance is not positive definite (pivot ${i} is ${s}); use more shrinkage`);
        }
        l[i * c + i] = Math.sqrt(s);
      } else {
        l[i * c + j] = s / l[j * c + j];
      }
    }
  }
  return l;
}

/**
 * Inverse of a lower-triangular matrix (forward substitution), row-major; lower-triangular too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...invertLower(Float64Array.from([2, 0, 1, 2]), 2)], [0.5, 0, -0.25, 0.5]);
 * ```
 */
export function invertLower(l: Float64Array, dims: number): Float64Array {
  const c = dims;
  const inv = new Float64Array(c * c);
  for (let col = 0; col < c; col++) {
    for (let i = col; i < c; i++) {
      let s = i === col ? 1 : 0;
      for (let k = col; k < i; k++) s -= l[i * c + k] * inv[k * c + col];
      inv[i * c + col] = s / l[i * c + i];
    }
  }
  return inv;
}

/** Options for {@link fitFeatureCheck}. */
export interface FeatureFitOptions {
  /** Shrinkage λ toward the diagonal, or `auto` (default): the Schäfer–Strimmer estimate. */
  shrinkage?: number | "auto";
  /** Quantile of the validation distances taken as the threshold (default 0.995). */
  quantile?: number;
  /** The graph output the features come from (default `features`). */
  output?: string;
}

/**
 * The feature check from the training originals' features (`train`) and the validation
 * originals' (`val`); also returns the validation distances (for the report).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureDistance } from "../../../model/core/mod.ts";
 * const train = { data: Float64Array.from([0, 0, 2, 0, 0, 2, 2, 2]), n: 4, dims: 2 }; // a square
 * const val = { data: Float64Array.from([1, 1, 1, 2]), n: 2, dims: 2 };
 * const { check } = fitFeatureCheck(train, val, { shrinkage: 0, quantile: 1 });
 * assert.deepEqual(check.mean, [1, 1]);
 * // S = (4/3)·I, so d = ‖f − mean‖ / √(4/3); the farther val image (distance √(3/4)) sets the threshold
 * assert.ok(Math.abs(check.threshold - Math.sqrt(3 / 4)) < 1e-6);
 * assert.ok(featureDistance(check, [1, 2.2]) > check.threshold);
 * ```
 */
export function fitFeatureCheck(
  train: FeatureRows,
  val: FeatureRows,
  opts: FeatureFitOptions = {},
): { check: FeatureDomainCheck; valDistances: number[] } {
  const quantile = opts.quantile ?? 0.995;
  if (!(quantile > 0 && quantile <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${quantile}`);
  if (val.dims !== train.dims) {
    throw new Error(`validation features have ${val.dims} dims, training features ${train.dims}: same model needed`);
  }
  if (val.n < 1) throw new Error("fitFeatureCheck: no validation images to set the threshold on");
  const c = train.dims;
  const m = moments(train);
  const lambda = opts.shrinkage === undefined || opts.shrinkage === "auto"
    ? diagonalShrinkage(train, m)
    : opts.shrinkage;
  const w = invertLower(cholesky(shrinkCovariance(m.cov, c, lambda), c), c);
  const base = {
    output: opts.output ?? "features",
    mean: Array.from(m.mean, round7),
    whitening: Array.from(w, round7),
    dims: c,
  };
  const valDistances = distances(base, val);
  const threshold = quantileSorted([...valDistances].sort((a, b) => a - b), quantile);
  return {
    check: {
      ...base,
      threshold,
      fitted: { images: train.n, shrinkage: round7(lambda), quantile, validationImages: val.n },
    },
    valDistances,
  };
}

/**
 * The feature distance of every row (the service's {@link featureDistance}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const check = { mean: [0, 0], whitening: [1, 0, 0, 1], dims: 2 };
 * assert.deepEqual(distances(check, { data: Float32Array.from([3, 4, 0, 1]), n: 2, dims: 2 }), [5, 1]);
 * ```
 */
export function distances(
  check: Pick<FeatureDomainCheck, "mean" | "whitening" | "dims">,
  rows: FeatureRows,
): number[] {
  const out: number[] = [];
  for (let k = 0; k < rows.n; k++) {
    out.push(featureDistance(check, rows.data.subarray(k * rows.dims, (k + 1) * rows.dims)));
  }
  return out;
}

const round7 = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(7)));
