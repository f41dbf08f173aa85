import assert from "node:assert/strict";
import { perSubtype } from "./subtype.ts";

Deno.test("per-subtype recall", () => {
  const r = perSubtype([
    { score: 0.9, positive: true, subtype: "Pro" },
    { score: 0.1, positive: true, subtype: "Pro" },
    { score: 0.7, positive: true, subtype: "Early" },
    { score: 0.2, positive: false, subtype: "Benign" },
    { score: 0.6, positive: false },
  ], 0.5);
  assert.deepEqual(r, [
    { subtype: "Benign", label: "normal", n: 1, correct: 1, recall: 1 },
    { subtype: "Early", label: "all", n: 1, correct: 1, recall: 1 },
    { subtype: "Pro", label: "all", n: 2, correct: 1, recall: 0.5 },
  ]);
});
