import assert from "node:assert/strict";
import { assignSplits, type GroupInfo, parseFold, splitFractions } from "./split.ts";

Deno.test("assignSplits meets fractions per stratum and is whole-group", () => {
  const groups: GroupInfo[] = [];
  for (let i = 0; i < 40; i++) groups.push({ id: `a${i}`, stratum: "a", size: 10 });
  for (let i = 0; i < 3; i++) groups.push({ id: `b${i}`, stratum: "b", size: 5 });
  const sides = assignSplits(groups, splitFractions(0.15, 0.15), 1);
  const countA = (s: string) => groups.filter((g) => g.stratum === "a" && sides.get(g.id) === s).length;
  assert.equal(countA("test"), 6);
  assert.equal(countA("val"), 6);
  assert.equal(countA("train"), 28);
  // 3 groups in b: one per side even though 15% of 15 images is less than a group
  assert.deepEqual(["b0", "b1", "b2"].map((id) => sides.get(id)).sort(), ["test", "train", "val"]);
  assert.throws(() => splitFractions(0.6, 0.5), /sum to less than 1/);
});

Deno.test("assignSplits highest: test is the top block of each stratum, val the block below, train the rest", () => {
  // zero-padded block ids as prepare_data writes them; sizes uneven so the cut is by images, not groups
  const groups: GroupInfo[] = [];
  for (let i = 1; i <= 20; i++) {
    groups.push({ id: `Pro:${String(i).padStart(3, "0")}`, stratum: "Pro", size: i === 20 ? 5 : 10 });
  }
  for (let i = 1; i <= 8; i++) groups.push({ id: `Benign:${String(i).padStart(3, "0")}`, stratum: "Benign", size: 10 });
  const sides = assignSplits(groups, splitFractions(0.15, 0.15), 7, "highest");
  const of = (stratum: string, side: string) =>
    groups.filter((g) => g.stratum === stratum && sides.get(g.id) === side).map((g) => Number(g.id.split(":")[1]));
  // Pro: 195 images; test = 15% = 29 images → blocks 20, 19, 18 (midpoints 2.5, 10, 20 < 29.25)
  assert.deepEqual(of("Pro", "test"), [18, 19, 20]);
  assert.deepEqual(of("Pro", "val"), [15, 16, 17]);
  assert.equal(Math.max(...of("Pro", "train")), 14);
  assert.deepEqual(of("Benign", "test"), [8]);
  assert.deepEqual(of("Benign", "val"), [7]);
  // the seed does not matter for highest
  assert.deepEqual(assignSplits(groups, splitFractions(0.15, 0.15), 99, "highest"), sides);
  // every train id is below every val id, every val id below every test id, per stratum
  for (const s of ["Pro", "Benign"]) {
    assert.ok(Math.max(...of(s, "train")) < Math.min(...of(s, "val")));
    assert.ok(Math.max(...of(s, "val")) < Math.min(...of(s, "test")));
  }
});

Deno.test("assignSplits with a fold: the same test block; the folds' val parts are contiguous, disjoint and cover the rest", () => {
  // Pro: 20 blocks of 10 images (the highest is 5); Benign: 9 blocks
  const groups: GroupInfo[] = [];
  for (let i = 1; i <= 20; i++) {
    groups.push({ id: `Pro:${String(i).padStart(3, "0")}`, stratum: "Pro", size: i === 20 ? 5 : 10 });
  }
  for (let i = 1; i <= 9; i++) groups.push({ id: `Benign:${String(i).padStart(3, "0")}`, stratum: "Benign", size: 10 });
  const fractions = splitFractions(0.15, 0.15);
  const plain = assignSplits(groups, fractions, 1, "highest");
  const test = groups.filter((g) => plain.get(g.id) === "test").map((g) => g.id);
  const nums = (sides: Map<string, string>, stratum: string, side: string) =>
    groups.filter((g) => g.stratum === stratum && sides.get(g.id) === side).map((g) => Number(g.id.split(":")[1]));
  const seen = new Map<string, number>();
  const folds = [1, 2, 3].map((index) => assignSplits(groups, fractions, 1, "highest", { index, count: 3 }));
  folds.forEach((sides, k) => {
    assert.deepEqual(
      groups.filter((g) => sides.get(g.id) === "test").map((g) => g.id),
      test,
      `fold ${k + 1}: test moved`,
    );
    for (const s of ["Pro", "Benign"]) {
      const val = nums(sides, s, "val");
      assert.ok(val.length > 0, `fold ${k + 1} ${s}: no val`);
      assert.equal(
        Math.max(...val) - Math.min(...val) + 1,
        val.length,
        `fold ${k + 1} ${s}: val ${val} not contiguous`,
      );
    }
    for (const g of groups) if (sides.get(g.id) === "val") seen.set(g.id, (seen.get(g.id) ?? 0) + 1);
  });
  // every non-test group is val in exactly one fold
  const rest = groups.filter((g) => plain.get(g.id) !== "test");
  assert.deepEqual(rest.filter((g) => seen.get(g.id) !== 1).map((g) => g.id), []);
  // Pro: 190 images below test's 3 blocks (18–20: 25 images), 170 left → parts of ~56.7: fold 1 is 12–17
  assert.deepEqual(nums(folds[0], "Pro", "val"), [12, 13, 14, 15, 16, 17]);
  assert.deepEqual(nums(folds[2], "Pro", "val"), [1, 2, 3, 4, 5, 6]);
  assert.throws(
    () => assignSplits(groups, fractions, 1, "interleaved", { index: 1, count: 3 }),
    /--fold needs --holdout highest/,
  );
});

Deno.test("parseFold: K/N with 1 ≤ K ≤ N, N ≥ 2", () => {
  assert.deepEqual(parseFold(" 4/4 "), { index: 4, count: 4 });
  for (const bad of ["0/4", "5/4", "1/1", "2", "a/b", "1/4/2"]) {
    assert.throws(() => parseFold(bad), /--fold must be K\/N/, bad);
  }
});
