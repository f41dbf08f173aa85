/**
 * Shared types of the metric functions.
 *
 * @module
 */

/** One scored example: a probability (or any score, higher = more `all`) and its truth. */
export interface Scored {
  /** p(all), or a score where higher means more likely `all`. */
  score: number;
  /** True when the true label is `all` (the positive class). */
  positive: boolean;
}

/** Counts at a threshold (`score ≥ threshold` → predicted positive). */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}
