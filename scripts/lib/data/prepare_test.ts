import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { cnmcFiles, taleqaniFiles, writeTree } from "../../../tests/helpers/fake_trees.ts";
import { prepareDataset } from "./prepare.ts";
import type { ManifestItem, SplitManifest } from "./split_manifest.ts";

const opts = { kind: "auto" as const, seed: 1, val: 0.15, test: 0.15, created: "2026-01-01T00:00:00Z" };

function sidesPer<K extends keyof ManifestItem>(m: SplitManifest, key: K): Map<unknown, Set<string>> {
  const out = new Map<unknown, Set<string>>();
  for (const it of m.items) {
    const s = out.get(it[key]) ?? new Set<string>();
    s.add(it.split);
    out.set(it[key], s);
  }
  return out;
}

async function withTree(files: Record<string, string>, fn: (root: string) => Promise<void>): Promise<void> {
  const root = await writeTree(files);
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

Deno.test("taleqani: blocks stay together, twins follow originals, duplicates dropped", async () => {
  await withTree(taleqaniFiles(100, [["Pro", 11, 12], ["Pro", 20, 21]]), async (root) => {
    const m = await prepareDataset(root, opts);
    assert.equal(m.dataset, "taleqani");
    assert.deepEqual(m.subtypes, ["Benign", "Early", "Pre", "Pro"]);
    // 100 per class, 2 duplicate Pro originals dropped → 398 originals
    const originals = m.items.filter((i) => i.view === "original");
    assert.equal(originals.length, 398);
    const dupDrops = (m.dropped ?? []).filter((d) => d.reason === "duplicate");
    assert.deepEqual(
      dupDrops.map((d) => [d.path, d.duplicateOf]),
      [
        ["original/Pro/WBC-Malignant-Pro-012.jpg", "original/Pro/WBC-Malignant-Pro-011.jpg"],
        ["original/Pro/WBC-Malignant-Pro-021.jpg", "original/Pro/WBC-Malignant-Pro-020.jpg"],
      ],
    );
    for (const sides of sidesPer(m, "group").values()) assert.equal(sides.size, 1);
    for (const sides of sidesPer(m, "sha256").values()) assert.equal(sides.size, 1);
    assert.equal(new Set(m.items.map((i) => i.sha256)).size, m.items.length);
    // each class has 5 blocks of 20 → each side gets whole blocks, every side non-empty
    for (const split of ["train", "val", "test"] as const) {
      for (const cls of ["Benign", "Early", "Pre", "Pro"]) {
        assert.ok(originals.some((i) => i.split === split && i.subtype === cls), `${cls} missing on ${split}`);
      }
    }
    const byPath = new Map(m.items.map((i) => [i.path, i]));
    const views = m.items.filter((i) => i.view === "segmented");
    assert.ok(views.length > 0);
    for (const v of views) {
      assert.equal(v.split, "train");
      const o = byPath.get(v.twinOf!)!;
      assert.equal(o.split, "train");
      assert.equal(o.group, v.group);
      assert.equal(v.path.replace("segmented/", "original/"), o.path);
    }
    // every train original whose twin is not a duplicate has its twin; no val/test twin kept
    const trainOriginals = originals.filter((i) => i.split === "train");
    assert.equal(views.length, trainOriginals.length);
    const notTrain = originals.length - trainOriginals.length;
    assert.equal((m.dropped ?? []).filter((d) => d.reason === "view-not-train").length, notTrain);
    assert.equal(m.counts.train["view:segmented"], views.length);
    assert.equal(
      m.counts.test["label:normal"],
      originals.filter((i) => i.split === "test" && i.label === "normal").length,
    );
    assert.equal(byPath.get("original/Benign/WBC-Benign-001.jpg")!.label, "normal");
    assert.equal(byPath.get("original/Early/WBC-Malignant-Early-001.jpg")!.label, "all");
    assert.equal(byPath.get("original/Pro/WBC-Malignant-Pro-035.jpg")!.group, "Pro:021-040");
  });
});

Deno.test("taleqani interleaved: same seed gives the same split, another seed a different one", async () => {
  await withTree(taleqaniFiles(100), async (root) => {
    const il = { ...opts, holdout: "interleaved" as const };
    const a = await prepareDataset(root, il);
    const b = await prepareDataset(root, il);
    const c = await prepareDataset(root, { ...il, seed: 7 });
    const sides = (m: SplitManifest) => m.items.map((i) => `${i.path}:${i.split}`).join();
    assert.equal(sides(a), sides(b));
    assert.notEqual(sides(a), sides(c));
    assert.match(a.split.method, /shuffled/);
  });
});

Deno.test("taleqani default (highest): test is the highest file numbers of each class, val the block below, whatever the seed", async () => {
  await withTree(taleqaniFiles(100), async (root) => {
    const a = await prepareDataset(root, opts);
    const c = await prepareDataset(root, { ...opts, seed: 7 });
    const sides = (m: SplitManifest) => m.items.map((i) => `${i.path}:${i.split}`).join();
    assert.equal(sides(a), sides(c));
    assert.match(a.split.method, /highest-numbered/);
    for (const cls of ["Benign", "Early", "Pre", "Pro"]) {
      const num = (split: string) =>
        a.items.filter((i) => i.view === "original" && i.subtype === cls && i.split === split)
          .map((i) => Number(i.path.match(/(\d+)\.jpg$/)![1]));
      assert.ok(Math.max(...num("train")) < Math.min(...num("val")), `${cls}: train below val`);
      assert.ok(Math.max(...num("val")) < Math.min(...num("test")), `${cls}: val below test`);
    }
  });
});

Deno.test("taleqani --fold K/N: the default split's test block; val parts below it, disjoint, covering every other original; twins on train only", async () => {
  await withTree(taleqaniFiles(100), async (root) => {
    const base = await prepareDataset(root, opts);
    const test = (m: SplitManifest) => m.items.filter((i) => i.split === "test").map((i) => i.path).join();
    const valOf = new Map<string, number>();
    for (const index of [1, 2, 3]) {
      const m = await prepareDataset(root, { ...opts, fold: { index, count: 3 } });
      assert.equal(test(m), test(base), `fold ${index}: the test block moved`);
      assert.match(m.split.method, new RegExp(`val = part ${index} of 3`));
      assert.ok(
        Math.abs(m.split.fractions.val - 0.85 / 3) < 1e-9,
        `fold ${index}: val fraction ${m.split.fractions.val}`,
      );
      for (const it of m.items) {
        if (it.split === "val") valOf.set(it.path, (valOf.get(it.path) ?? 0) + 1);
        if (it.view !== "original") assert.equal(it.split, "train", `${it.path}: a twin off train`);
      }
    }
    const rest = base.items.filter((i) => i.view === "original" && i.split !== "test").map((i) => i.path);
    assert.deepEqual(rest.filter((p) => valOf.get(p) !== 1), [], "every non-test original is val in exactly one fold");
    await assert.rejects(
      prepareDataset(root, { ...opts, holdout: "interleaved", fold: { index: 1, count: 3 } }),
      /--fold cuts contiguous blocks: it needs --holdout highest/,
    );
  });
});

Deno.test("taleqani: class folders only (no original/segmented level)", async () => {
  const files: Record<string, string> = {};
  for (const [k, v] of Object.entries(taleqaniFiles(40))) if (k.startsWith("original/")) files[k.slice(9)] = v;
  await withTree(files, async (root) => {
    const m = await prepareDataset(root, opts);
    assert.equal(m.dataset, "taleqani");
    assert.equal(m.items.length, 160);
    assert.ok(m.items.every((i) => i.view === "original"));
  });
});

Deno.test("cnmc TCIA layout: lower-case h3 parsed and merged with H10, duplicate groups kept together", async () => {
  const subjects: [string, number][] = [
    ["20", 0],
    ["21", 2],
    ["51", 1],
    ["75", 2],
    ["78", 2],
    ["11", 0],
    ["13", 1],
    ["14", 2],
    ["16", 0],
    ["18", 1],
    ["H2", 2],
    ["H4", 2],
    ["H5", 2],
    ["H6", 0],
    ["H10", 1],
    ["h3", 2],
    ["H11", 0],
    ["H12", 1],
    ["H14", 2],
    ["H15", 0],
  ];
  const files = cnmcFiles("C-NMC_training_data/", subjects, 3, "bmp");
  files["C-NMC_training_data/fold_2/hem/UID_H4_9_1_hem.bmp"] = "cnmc H2 1"; // byte copy of an H2 file
  files["C-NMC_test_prelim_phase_data/1.bmp"] = "unlabelled";
  await withTree(files, async (root) => {
    const m = await prepareDataset(root, opts);
    assert.equal(m.dataset, "cnmc");
    assert.equal(m.items.length, 60);
    const h3 = m.items.find((i) => i.path.endsWith("UID_h3_1_1_hem.bmp"))!;
    assert.equal(h3.subject, "H3");
    assert.equal(h3.label, "normal");
    assert.equal(h3.group, "cnmc:H10+H3");
    const split = (s: string) => new Set(m.items.filter((i) => i.subject === s).map((i) => i.split));
    for (const g of [["20", "21"], ["51", "75", "78"], ["H2", "H4", "H5", "H6"], ["H10", "H3"]]) {
      const sides = new Set(g.flatMap((s) => [...split(s)]));
      assert.equal(sides.size, 1, `group ${g.join("+")} split over ${[...sides]}`);
    }
    for (const sides of sidesPer(m, "group").values()) assert.equal(sides.size, 1);
    assert.deepEqual(m.dropped?.map((d) => d.reason), ["duplicate"]);
    assert.equal(m.counts.train["label:all"] + m.counts.val["label:all"] + m.counts.test["label:all"], 30);
  });
});

Deno.test("cnmc Kaggle layout with png is detected", async () => {
  const files = cnmcFiles(
    "C-NMC_Leukemia/training_data/",
    [["1", 0], ["2", 1], ["3", 2], ["H1", 0], ["H7", 1], ["H8", 2]],
    2,
    "png",
  );
  await withTree(files, async (root) => {
    const m = await prepareDataset(root, opts);
    assert.equal(m.dataset, "cnmc");
    assert.equal(m.items.length, 12);
    assert.equal(m.items.filter((i) => i.label === "normal").length, 6);
  });
});

Deno.test("folders: default and explicit maps, block split", async () => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 60; i++) {
    files[`all/img_${i}.png`] = `a${i}`;
    files[`hem/img_${i}.png`] = `h${i}`;
    files[`junk/img_${i}.png`] = `j${i}`;
  }
  await withTree(files, async (root) => {
    const m = await prepareDataset(root, opts);
    assert.equal(m.dataset, "folders");
    assert.equal(m.items.length, 120);
    assert.match(m.warnings!.join(), /junk/);
    for (const sides of sidesPer(m, "group").values()) assert.equal(sides.size, 1);
    assert.equal(m.items.find((i) => i.path === "hem/img_45.png")!.group, "hem:041-060");
    const mapped = await prepareDataset(root, { ...opts, classMap: { all: "all", junk: "all", hem: "normal" } });
    assert.equal(mapped.items.length, 180);
    assert.equal(mapped.items.find((i) => i.path === "junk/img_1.png")!.subtype, "junk");
  });
});

Deno.test("errors: empty and unknown folders say what to do", async () => {
  await withTree({ "readme.txt": "x" }, async (root) => {
    await assert.rejects(prepareDataset(root, opts), /no image files .* --dataset/);
  });
  await withTree({ "a.png": "x", "b.png": "y" }, async (root) => {
    await assert.rejects(prepareDataset(root, opts), /unknown dataset layout.*--kind/);
  });
  await assert.rejects(prepareDataset("/nonexistent/folder", opts), /does not exist/);
});
