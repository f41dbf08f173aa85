/**
 * Warnings for an evaluation too small to trust: a split with fewer than {@link MIN_PER_CLASS}
 * images of a class, and a headline interval of zero width (`1.000 [1.000, 1.000]` on 77 images is
 * "no error was seen", not "no error will happen").
 *
 * @module
 */
import type { MetricValue } from "../../../model/core/mod.ts";

/** Fewest images per class (and split) below which an evaluation carries a sample-size warning. */
export const MIN_PER_CLASS = 100;

/** What {@link sampleSizeWarnings} reads of one split's report. */
export interface SplitCounts {
  positives: number;
  negatives: number;
  metrics: Partial<Record<"sensitivity" | "specificity" | "f1" | "auroc", MetricValue>>;
}

const fmt = (v: number) => v.toFixed(3);

/**
 * The sample-size warnings of an evaluation's splits (none when every split has at least
 * `minPerClass` images of each class and no headline interval has zero width).
 *
 * A zero-width interval at 1 for sensitivity or specificity comes with the rule of three: with no error among n images,
 * the 95% bound on the error rate is about 3/n.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const test = {
 *   positives: 38,
 *   negatives: 139,
 *   metrics: { sensitivity: { value: 1, ci95: [1, 1] as [number, number] }, specificity: { value: 0.9, ci95: [0.85, 0.95] as [number, number] } },
 * };
 * assert.deepEqual(sampleSizeWarnings({ test }), [
 *   "test: 38 all images (fewer than 100): intervals are wide and the threshold coarse; evaluate on more images before relying on these numbers",
 *   "test sensitivity 1.000 [1.000, 1.000]: a zero-width interval means no error was seen among 38 all images, not that none will happen (95% bound on the miss rate ≈ 3/38 = 0.079)",
 * ]);
 * ```
 */
export function sampleSizeWarnings(
  splits: Partial<Record<"val" | "test", SplitCounts>>,
  minPerClass = MIN_PER_CLASS,
): string[] {
  const out: string[] = [];
  for (const name of ["val", "test"] as const) {
    const r = splits[name];
    if (!r) continue;
    const small = [
      ...(r.positives < minPerClass ? [`${r.positives} all`] : []),
      ...(r.negatives < minPerClass ? [`${r.negatives} normal`] : []),
    ];
    if (small.length) {
      out.push(
        `${name}: ${small.join(" and ")} images (fewer than ${minPerClass}): intervals are wide and the threshold ` +
          "coarse; evaluate on more images before relying on these numbers",
      );
    }
    for (const key of ["sensitivity", "specificity", "f1", "auroc"] as const) {
      const m = r.metrics[key];
      if (!m?.ci95 || m.ci95[0] !== m.ci95[1]) continue;
      const shown = `${name} ${key} ${fmt(m.value)} [${fmt(m.ci95[0])}, ${fmt(m.ci95[1])}]`;
      const n = key === "sensitivity" ? r.positives : key === "specificity" ? r.negatives : 0;
      const what = key === "sensitivity" ? "all" : "normal";
      const rate = key === "sensitivity" ? "miss" : "false-alarm";
      out.push(
        n > 0 && m.value === 1
          ? `${shown}: a zero-width interval means no error was seen among ${n} ${what} images, not that none will ` +
            `happen (95% bound on the ${rate} rate ≈ 3/${n} = ${fmt(Math.min(1, 3 / n))})`
          : `${shown}: a zero-width interval means the resamples could not vary it (too few images or groups), ` +
            "not that the value is certain",
      );
    }
  }
  return out;
}
