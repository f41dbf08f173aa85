import assert from "node:assert/strict";
import { MIN_PER_CLASS, sampleSizeWarnings, type SplitCounts } from "./sample_size.ts";

const ci = (lo: number, hi: number): [number, number] => [lo, hi];

Deno.test("sampleSizeWarnings: a class under the minimum warns, exactly the minimum does not", () => {
  const wide = { sensitivity: { value: 0.95, ci95: ci(0.9, 0.99) }, specificity: { value: 0.8, ci95: ci(0.7, 0.9) } };
  const at = (positives: number, negatives: number): SplitCounts => ({ positives, negatives, metrics: wide });
  assert.equal(MIN_PER_CLASS, 100);
  assert.deepEqual(sampleSizeWarnings({ val: at(100, 100), test: at(100, 250) }), []);
  assert.deepEqual(sampleSizeWarnings({ val: at(100, 100), test: at(99, 250) }), [
    "test: 99 all images (fewer than 100): intervals are wide and the threshold coarse; evaluate on more images before relying on these numbers",
  ]);
  assert.deepEqual(sampleSizeWarnings({ val: at(250, 7) }), [
    "val: 7 normal images (fewer than 100): intervals are wide and the threshold coarse; evaluate on more images before relying on these numbers",
  ]);
  assert.deepEqual(sampleSizeWarnings({ test: at(20, 19) }, 20), [
    "test: 19 normal images (fewer than 20): intervals are wide and the threshold coarse; evaluate on more images before relying on these numbers",
  ]);
});

Deno.test("sampleSizeWarnings: a zero-width interval warns, with the rule of three at 1", () => {
  const test: SplitCounts = {
    positives: 325,
    negatives: 150,
    metrics: {
      sensitivity: { value: 0.985, ci95: ci(0.969, 0.997) },
      specificity: { value: 1, ci95: ci(1, 1) },
      f1: { value: 0.4, ci95: ci(0.4, 0.4) },
      auroc: { value: 0.97 },
    },
  };
  assert.deepEqual(sampleSizeWarnings({ test }), [
    "test specificity 1.000 [1.000, 1.000]: a zero-width interval means no error was seen among 150 normal images, not that none will happen (95% bound on the false-alarm rate ≈ 3/150 = 0.020)",
    "test f1 0.400 [0.400, 0.400]: a zero-width interval means the resamples could not vary it (too few images or groups), not that the value is certain",
  ]);
});
