import assert from "node:assert/strict";
import type { ManifestItem, SplitManifest } from "./split_manifest.ts";
import { thinTraining } from "./thin.ts";

/**
 * Train: 5 Benign blocks of 10 (block 4 has 6 files), each original with a segmented twin except
 * file 3 of every block; 3 Early blocks of 10. Val and test: one block of each class.
 */
function manifest(): SplitManifest {
  const items: ManifestItem[] = [];
  const add = (cls: string, block: number, files: number, split: ManifestItem["split"], twins: boolean) => {
    for (let i = 0; i < files; i++) {
      const n = String(block * 10 + i + 1).padStart(3, "0");
      const path = `original/${cls}/${cls}-${n}.jpg`;
      const base = {
        label: cls === "Benign" ? "normal" : "all",
        subtype: cls,
        group: `${cls}:${block}`,
        split,
      } as const;
      items.push({ ...base, path, sha256: path, view: "original" });
      if (twins && i !== 3) {
        const twin = `segmented/${cls}/${cls}-${n}.jpg`;
        items.push({ ...base, path: twin, sha256: twin, view: "segmented", twinOf: path });
      }
    }
  };
  for (let b = 0; b < 5; b++) add("Benign", b, b === 4 ? 6 : 10, "train", true);
  for (let b = 0; b < 3; b++) add("Early", b, 10, "train", true);
  add("Benign", 5, 10, "val", false);
  add("Early", 3, 10, "val", false);
  add("Benign", 6, 10, "test", false);
  add("Early", 4, 10, "test", false);
  return {
    version: 1,
    dataset: "taleqani",
    root: "/data",
    created: "2026-12-06T00:00:00Z",
    split: { seed: 1, fractions: { train: 0.7, val: 0.15, test: 0.15 }, method: "blocks of 10" },
    counts: {},
    items,
    dropped: [{ path: "original/Benign/dup.jpg", reason: "duplicate", duplicateOf: "original/Benign/Benign-001.jpg" }],
  };
}

const originals = (m: SplitManifest, split: string, label: string) =>
  m.items.filter((i) => i.split === split && i.label === label && i.view === "original");

Deno.test("thinTraining by blocks: whole Benign training blocks kept or left out with their twins; val, test and ALL untouched", () => {
  const m = manifest();
  const t = thinTraining(m, { label: "normal", fraction: 0.4, by: "blocks", seed: 3 });
  const kept = new Set(originals(t, "train", "normal").map((i) => i.group));
  assert.equal(kept.size, 2); // round(0.4 × 5)
  for (const g of kept) {
    const before = m.items.filter((i) => i.group === g).map((i) => i.path);
    assert.deepEqual(t.items.filter((i) => i.group === g).map((i) => i.path), before, `block ${g} kept whole`);
  }
  // every segmented twin left is the twin of a kept original, and every kept original kept its twin
  const keptPaths = new Set(t.items.map((i) => i.path));
  for (const i of t.items.filter((i) => i.view === "segmented")) assert.ok(keptPaths.has(i.twinOf!), i.path);
  for (const split of ["val", "test"]) {
    assert.deepEqual(t.items.filter((i) => i.split === split), m.items.filter((i) => i.split === split));
  }
  assert.deepEqual(originals(t, "train", "all"), originals(m, "train", "all"));
  assert.deepEqual(t.counts.train["label:all"], 30);
  assert.equal(t.counts.train["label:normal"], t.thinned.after.originals);
  assert.deepEqual(t.thinned.before, { groups: 5, originals: 46 });
  // the removed files are listed after the earlier dropped ones, with their twins
  const removed = m.items.length - t.items.length;
  assert.equal(t.dropped!.length, 1 + removed);
  assert.deepEqual(t.dropped![0].reason, "duplicate");
  assert.ok(t.dropped!.slice(1).every((d) => d.reason === "thinned"));
  assert.match(
    t.split.method,
    /^blocks of 10; training normal thinned to 2 of 5 groups, \d+ of 46 originals \(by blocks, seed 3\)$/,
  );
  // the input is not changed
  assert.deepEqual(m, manifest());
});

Deno.test("thinTraining by files: every Benign block keeps round(fraction × its files), the same seed the same files", () => {
  const m = manifest();
  const t = thinTraining(m, { label: "normal", fraction: 0.5, by: "files", seed: 1 });
  const perGroup = new Map<string, number>();
  for (const i of originals(t, "train", "normal")) perGroup.set(i.group, (perGroup.get(i.group) ?? 0) + 1);
  assert.deepEqual([...perGroup.entries()].sort(), [
    ["Benign:0", 5],
    ["Benign:1", 5],
    ["Benign:2", 5],
    ["Benign:3", 5],
    ["Benign:4", 3],
  ]);
  assert.deepEqual(t.thinned.after, { groups: 5, originals: 23 });
  const twins = t.items.filter((i) => i.view === "segmented" && i.label === "normal");
  const kept = new Set(originals(t, "train", "normal").map((i) => i.path));
  // a twin for every kept original that had one (file 3 of a block has none)
  assert.equal(twins.length, [...kept].filter((p) => !/-\d\d4\.jpg$/.test(p)).length);
  const paths = (x: SplitManifest) => x.items.map((i) => i.path);
  assert.deepEqual(paths(thinTraining(m, { label: "normal", fraction: 0.5, by: "files", seed: 1 })), paths(t));
  assert.notDeepEqual(paths(thinTraining(m, { label: "normal", fraction: 0.5, by: "files", seed: 2 })), paths(t));
  // at least one file of each block, and a share of 1 keeps everything
  const tiny = thinTraining(m, { label: "normal", fraction: 0.01, by: "files", seed: 1 });
  assert.deepEqual(tiny.thinned.after, { groups: 5, originals: 5 });
  assert.deepEqual(paths(thinTraining(m, { label: "normal", fraction: 1, by: "blocks", seed: 1 })), paths(m));
});

Deno.test("thinTraining: refuses a share outside (0, 1] and a class with no training images", () => {
  const m = manifest();
  assert.throws(() => thinTraining(m, { label: "normal", fraction: 0, by: "blocks", seed: 1 }), /in \(0, 1\], got 0/);
  assert.throws(() => thinTraining(m, { label: "normal", fraction: 1.5, by: "files", seed: 1 }), /got 1\.5/);
  const noBenign = { ...m, items: m.items.filter((i) => i.label !== "normal" || i.split !== "train") };
  assert.throws(
    () => thinTraining(noBenign, { label: "normal", fraction: 0.5, by: "blocks", seed: 1 }),
    /no training images of class "normal" to thin/,
  );
});
