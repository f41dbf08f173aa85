import assert from "node:assert/strict";
import { auroc, curvePoints, thinCurve } from "./ranking.ts";
import { close, rows } from "../../../tests/helpers/scored.ts";

Deno.test("AUROC counts pairs, ties count one half", () => {
  close(auroc(rows), 16 / 20);
  close(auroc([{ score: 0.5, positive: true }, { score: 0.5, positive: false }]), 0.5);
  close(
    auroc([
      { score: 0.5, positive: true },
      { score: 0.7, positive: true },
      { score: 0.5, positive: false },
      { score: 0.1, positive: false },
    ]),
    3.5 / 4,
  );
  assert.ok(Number.isNaN(auroc([{ score: 1, positive: true }])));
});

Deno.test("ROC/PR points walk down the distinct scores", () => {
  const pts = curvePoints(rows);
  assert.equal(pts.length, 10);
  assert.deepEqual(pts[0], { threshold: Infinity, tpr: 0, fpr: 0, precision: 1 });
  // at threshold 0.5: tp 3, fp 2
  const at = pts.find((p) => p.threshold === 0.5)!;
  close(at.tpr, 0.75);
  close(at.fpr, 0.4);
  close(at.precision, 0.6);
  assert.deepEqual([pts[9].tpr, pts[9].fpr], [1, 1]);
  // trapezoid area under the ROC polyline equals the rank AUROC
  let area = 0;
  for (let i = 1; i < pts.length; i++) area += (pts[i].fpr - pts[i - 1].fpr) * (pts[i].tpr + pts[i - 1].tpr) / 2;
  close(area, 0.8);
  assert.deepEqual(thinCurve([1, 2, 3, 4, 5], 3), [1, 3, 5]);
});
