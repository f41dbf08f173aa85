/**
 * Calibration: sigmoid with temperature, NLL, temperature fitting, ECE and reliability table.
 *
 * @module
 */
import { probabilityFromLogit } from "../../../model/core/mod.ts";
import type { Scored } from "./types.ts";

/**
 * p(all) = sigmoid(logit / temperature): the core's `probabilityFromLogit`, so that evaluations
 * compute bit for bit the p(all) the service answers with (thresholds are chosen among these values).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(sigmoid(0), 0.5);
 * assert.equal(sigmoid(2, 2), sigmoid(1)); // logit / temperature
 * ```
 */
export function sigmoid(logit: number, temperature = 1): number {
  return probabilityFromLogit(logit, temperature);
}

/** A logit with its truth. */
export interface LogitRow {
  logit: number;
  positive: boolean;
}

/**
 * Mean binary negative log-likelihood of `sigmoid(logit / T)` (numerically stable softplus form).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(meanNll([{ logit: 0, positive: true }], 1), Math.LN2);
 * ```
 */
export function meanNll(rows: readonly LogitRow[], temperature: number): number {
  let s = 0;
  for (const r of rows) {
    const z = (r.positive ? -1 : 1) * (r.logit / temperature);
    s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return s / rows.length;
}

/**
 * Temperature T minimising the mean NLL of `sigmoid(logit / T)`, by golden-section search on
 * log T over [1/20, 20] (the NLL is unimodal in T for a fixed sign pattern). Returns 1 for an
 * empty set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // confident logits (±4), but one in four is wrong: over-confident
 * const valRows = Array.from({ length: 40 }, (_, i) => ({
 *   logit: i % 2 ? 4 : -4,
 *   positive: i % 2 === 1 !== (i % 4 === 0),
 * }));
 * const T = fitTemperature(valRows);
 * assert.ok(T > 1);
 * assert.ok(meanNll(valRows, T) < meanNll(valRows, 1));
 * ```
 */
export function fitTemperature(rows: readonly LogitRow[], range: [number, number] = [0.05, 20]): number {
  if (rows.length === 0) return 1;
  const f = (u: number) => meanNll(rows, Math.exp(u));
  let a = Math.log(range[0]);
  let b = Math.log(range[1]);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 100 && b - a > 1e-7; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** One bin of a reliability table. */
export interface ReliabilityBin {
  /** Bin range [lo, hi) on the predicted p(all); the last bin includes 1. */
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted p(all) in the bin (NaN if empty). */
  meanPredicted: number;
  /** Fraction of `all` in the bin (NaN if empty). */
  fractionPositive: number;
}

/**
 * Reliability table with `bins` equal-width bins on p(all).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [{ score: 0.05, positive: false }, { score: 0.92, positive: true }, { score: 0.95, positive: false }];
 * const used = reliabilityTable(rows, 10).filter((b) => b.count > 0);
 * assert.deepEqual(used.map((b) => [b.lo, b.count, b.fractionPositive]), [[0, 1, 0], [0.9, 2, 0.5]]);
 * ```
 */
export function reliabilityTable(rows: readonly Scored[], bins = 15): ReliabilityBin[] {
  const out: ReliabilityBin[] = [];
  const sums = Array.from({ length: bins }, () => ({ n: 0, p: 0, y: 0 }));
  for (const r of rows) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor(r.score * bins)));
    sums[i].n++;
    sums[i].p += r.score;
    sums[i].y += r.positive ? 1 : 0;
  }
  sums.forEach((s, i) =>
    out.push({
      lo: i / bins,
      hi: (i + 1) / bins,
      count: s.n,
      meanPredicted: s.n ? s.p / s.n : NaN,
      fractionPositive: s.n ? s.y / s.n : NaN,
    })
  );
  return out;
}

/**
 * Expected calibration error: Σ_bins (n_b / n) · |fraction of `all` − mean p(all)|, over
 * `bins` equal-width bins of p(all) (binary, positive-class form).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(ece([{ score: 0.8, positive: true }, { score: 0.8, positive: false }]).toFixed(3), "0.300");
 * ```
 */
export function ece(rows: readonly Scored[], bins = 15): number {
  if (rows.length === 0) return NaN;
  let s = 0;
  for (const b of reliabilityTable(rows, bins)) {
    if (b.count) s += (b.count / rows.length) * Math.abs(b.fractionPositive - b.meanPredicted);
  }
  return s;
}
