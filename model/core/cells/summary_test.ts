import assert from "node:assert/strict";
import type { Decision } from "../card/card.ts";
import { summarizeCells } from "./summary.ts";

const ctx = (found: number, maxCells = 32) => ({ found, maxCells });

Deno.test("summarizeCells: no cell → review with the no_cells reason and no blast fraction", () => {
  const s = summarizeCells([], ctx(0));
  assert.deepEqual([s.cells, s.all, s.normal, s.review, s.blastFraction, s.decision], [0, 0, 0, 0, null, "review"]);
  assert.equal(s.reasons?.length, 1);
  assert.match(s.reasons![0], /^no_cells: /);
});

Deno.test("summarizeCells: one all among normals and reviews → all; the fraction counts all over classified", () => {
  const s = summarizeCells(["normal", "review", "all", "normal", "normal", "review", "normal"], ctx(7));
  assert.deepEqual(s, { cells: 7, all: 1, normal: 4, review: 2, blastFraction: 1 / 7, decision: "all" });
});

Deno.test("summarizeCells: no all, one review → review (without a reason: the cell says why)", () => {
  const s = summarizeCells(["normal", "normal", "review"], ctx(3));
  assert.deepEqual(s, { cells: 3, all: 0, normal: 2, review: 1, blastFraction: 0, decision: "review" });
});

Deno.test("summarizeCells: every cell normal → normal; every cell all → all with fraction 1", () => {
  assert.deepEqual(summarizeCells(["normal"], ctx(1)), {
    cells: 1,
    all: 0,
    normal: 1,
    review: 0,
    blastFraction: 0,
    decision: "normal",
  });
  const all = summarizeCells(["all", "all", "all"], ctx(3));
  assert.deepEqual([all.decision, all.blastFraction, all.reasons], ["all", 1, undefined]);
});

Deno.test("summarizeCells: the cap — normals with cells left out → review (capped); an all stays all, reason kept", () => {
  // exactly at the cap: nothing left out, no reason
  assert.equal(summarizeCells(["normal", "normal"], ctx(2, 2)).decision, "normal");
  const over = summarizeCells(["normal", "normal"], ctx(3, 2));
  assert.equal(over.decision, "review");
  assert.deepEqual(over.reasons?.map((r) => r.split(":")[0]), ["capped"]);
  assert.match(over.reasons![0], /3 cells found, the 2 largest classified \(MAX_CELLS=2\)/);
  const withAll = summarizeCells(["normal", "all"], ctx(50, 2));
  assert.equal(withAll.decision, "all");
  assert.deepEqual(withAll.reasons?.map((r) => r.split(":")[0]), ["capped"]);
  assert.equal(withAll.blastFraction, 0.5, "the fraction is over the classified cells");
  const withReview = summarizeCells(["review", "normal"], ctx(9, 2));
  assert.deepEqual([withReview.decision, withReview.reasons?.length], ["review", 1]);
});

Deno.test("summarizeCells: the counts add up to the cells for every mix of up to 4 decisions", () => {
  const kinds: Decision[] = ["all", "normal", "review"];
  for (let n = 0; n <= 4; n++) {
    for (let code = 0; code < 3 ** n; code++) {
      const ds = Array.from({ length: n }, (_, i) => kinds[Math.floor(code / 3 ** i) % 3]);
      const s = summarizeCells(ds, ctx(n));
      assert.equal(s.all + s.normal + s.review, s.cells);
      const want = n === 0 ? "review" : ds.includes("all") ? "all" : ds.includes("review") ? "review" : "normal";
      assert.equal(s.decision, want, ds.join(","));
    }
  }
});
