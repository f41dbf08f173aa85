import assert from "node:assert/strict";
import { blockGroups, blockLabel, fileNumber } from "./blocks.ts";
import { cnmcGroup, cnmcSubject } from "./cnmc.ts";
import { parseClassMap } from "./folders.ts";
import { assignSplits, type GroupInfo, splitFractions } from "./split.ts";
import { taleqaniClass } from "./taleqani.ts";
import { manifestLeaks } from "./verify.ts";
import type { ManifestItem } from "./split_manifest.ts";

Deno.test("fileNumber and blocks", () => {
  assert.equal(fileNumber("original/Pro/WBC-Malignant-Pro-011.jpg"), 11);
  assert.equal(fileNumber("x/UID_11_10_3_all.bmp"), 3);
  assert.equal(fileNumber("cell.png"), undefined);
  assert.equal(blockLabel(1, 20), "001-020");
  assert.equal(blockLabel(20, 20), "001-020");
  assert.equal(blockLabel(21, 20), "021-040");
  assert.equal(blockLabel(1005, 20), "1001-1020");
  const g = blockGroups(["c/b.png", "c/x-40.png", "c/a.png", "c/x-41.png"], "c", 20);
  assert.equal(g.get("c/x-40.png"), "c:021-040");
  assert.equal(g.get("c/x-41.png"), "c:041-060");
  assert.equal(g.get("c/a.png"), "c:#001-020");
  assert.throws(() => blockGroups([], "c", 0), /positive integer/);
});

Deno.test("cnmc subjects and groups", () => {
  assert.equal(cnmcSubject("UID_h3_12_1_hem.bmp"), "H3");
  assert.equal(cnmcSubject("UID_H24_1_1_hem.bmp"), "H24");
  assert.equal(cnmcSubject("UID_7_1_1_all.bmp"), "7");
  assert.equal(cnmcSubject("1.bmp"), undefined);
  assert.equal(cnmcGroup("78"), "cnmc:51+75+78");
  assert.equal(cnmcGroup("H6"), "cnmc:H2+H4+H5+H6");
  assert.equal(cnmcGroup("H1"), "cnmc:H1");
});

Deno.test("taleqani class names, including Kaggle style", () => {
  assert.equal(taleqaniClass("Benign"), "Benign");
  assert.equal(taleqaniClass("[Malignant] early Pre-B"), "Early");
  assert.equal(taleqaniClass("[Malignant] Pre-B"), "Pre");
  assert.equal(taleqaniClass("[Malignant] Pro-B"), "Pro");
  assert.equal(taleqaniClass("hem"), undefined);
  assert.equal(taleqaniClass("Preprocessed"), undefined);
});

Deno.test("parseClassMap", () => {
  assert.deepEqual(parseClassMap("ALL=all, hem=normal"), { all: "all", hem: "normal" });
  assert.throws(() => parseClassMap("all=malignant"), /must be <folder>=all/);
});

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

Deno.test("manifestLeaks finds group, hash and view leaks", () => {
  const base: ManifestItem = { path: "a", label: "all", group: "g", split: "train", sha256: "1", view: "original" };
  assert.deepEqual(manifestLeaks([base, { ...base, path: "b", sha256: "2" }]), []);
  assert.match(manifestLeaks([base, { ...base, path: "b", sha256: "2", split: "test" }]).join(), /group g is on train and test/);
  assert.match(manifestLeaks([base, { ...base, path: "b", group: "h", split: "val" }]).join(), /sha256 1 is on train and val/);
  assert.match(
    manifestLeaks([{ ...base, split: "val" }, { ...base, path: "s", sha256: "3", view: "segmented", twinOf: "a", split: "val" }]).join(),
    /extra views belong to train only/,
  );
});
