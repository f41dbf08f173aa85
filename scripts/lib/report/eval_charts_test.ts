import assert from "node:assert/strict";
import { zoomDomains } from "./eval_charts.ts";

Deno.test("zoomed ROC/PR ranges frame the operating points", () => {
  assert.deepEqual(zoomDomains([{ fpr: 0.05, tpr: 0.95, precision: 1 }, { fpr: 0.01, tpr: 0.99, precision: 0.97 }]), {
    fprMax: 0.1,
    tprMin: 0.9,
    precisionMin: 0.9,
  });
  assert.deepEqual(zoomDomains([{ fpr: 0.6, tpr: 0.5, precision: 0.4 }]), { fprMax: 1, tprMin: 0, precisionMin: 0 });
});
