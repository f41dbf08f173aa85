import assert from "node:assert/strict";
import { bootstrapCI, quantile } from "./bootstrap.ts";
import { confusionAt, rates } from "./confusion.ts";
import type { Scored } from "./types.ts";
import { close, rows } from "../../../tests/helpers/scored.ts";

Deno.test("bootstrap CI: seeded, contains the estimate, degenerate when perfect", () => {
  const sens = (s: Scored[]) => rates(confusionAt(s, 0.5)).sensitivity;
  const a = bootstrapCI(rows, sens, { seed: 3, resamples: 500 });
  assert.deepEqual(bootstrapCI(rows, sens, { seed: 3, resamples: 500 }), a);
  assert.ok(a[0] <= 0.75 && 0.75 <= a[1] && a[0] < a[1]);
  assert.deepEqual(bootstrapCI(rows, (s) => rates(confusionAt(s, 0.2)).sensitivity, { resamples: 200 }), [1, 1]);
  close(quantile([1, 2, 3, 4], 0.5), 2.5);
});

Deno.test("cluster bootstrap keeps groups whole and widens the interval", () => {
  // 10 groups of 10 positives: 5 groups fully detected, 5 fully missed → sensitivity 0.5
  const rows: (Scored & { g: string })[] = [];
  for (let g = 0; g < 10; g++) {
    for (let k = 0; k < 10; k++) rows.push({ score: g < 5 ? 0.9 : 0.1, positive: true, g: `g${g}` });
  }
  for (let k = 0; k < 20; k++) rows.push({ score: 0.1, positive: false, g: `n${k}` });
  const sens = (s: Scored[]) => rates(confusionAt(s, 0.5)).sensitivity;
  const plain = bootstrapCI(rows, sens, { seed: 2, resamples: 400 });
  const sizes = new Set<number>();
  const clustered = bootstrapCI(rows, (s) => {
    sizes.add(s.filter((r) => r.positive).length);
    return sens(s);
  }, { seed: 2, resamples: 400, groupOf: (r) => r.g });
  assert.deepEqual([...sizes], [100]); // 10 clusters of 10 drawn each time
  assert.ok(clustered[1] - clustered[0] > 2 * (plain[1] - plain[0]), `${clustered} vs ${plain}`);
  // each clustered resample is a multiple of 0.1 (whole groups)
  assert.ok(Math.abs(clustered[0] * 10 - Math.round(clustered[0] * 10)) < 1e-9);
});
