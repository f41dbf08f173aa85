import assert from "node:assert/strict";
import { assignSplits, type GroupInfo, splitFractions } from "./split.ts";

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
