import assert from "node:assert/strict";
import type { ManifestItem } from "../data/split_manifest.ts";
import {
  balanceRows,
  classSeparability,
  colourSeparability,
  countRows,
  histogramRows,
  type ImageRecord,
  spreadSample,
} from "./eda_data.ts";

const item = (
  path: string,
  split: ManifestItem["split"],
  label: ManifestItem["label"],
  subtype: string,
  group: string,
  view = "original",
): ManifestItem => ({ path, split, label, subtype, group, view, sha256: "" });

Deno.test("eda data: counts, balance, sampling, histograms and colour separability", () => {
  const items = [
    item("a1", "train", "all", "Pro", "g1"),
    item("a2", "train", "all", "Pre", "g1"),
    item("a3", "test", "all", "Pro", "g2"),
    item("n1", "train", "normal", "Benign", "g3"),
    item("s1", "train", "all", "Pro", "g1", "segmented"),
  ];
  assert.deepEqual(countRows(items).map((r) => [r.split, r.view, r.cls, r.count]), [
    ["train", "original", "Benign", 1],
    ["train", "original", "Pre", 1],
    ["train", "original", "Pro", 1],
    ["train", "segmented", "Pro", 1],
    ["test", "original", "Pro", 1],
  ]);
  const b = balanceRows(items)[0];
  assert.deepEqual([b.split, b.view, b.all, b.normal, b.ratio, b.groups], ["train", "original", 2, 1, 2, 2]);
  assert.deepEqual(spreadSample([{ path: "d" }, { path: "a" }, { path: "c" }, { path: "b" }], 2).map((x) => x.path), [
    "b",
    "d",
  ]);

  const rec = (label: "all" | "normal", meanR: number): ImageRecord => ({
    path: "",
    split: "train",
    view: "original",
    label,
    cls: label,
    format: "png",
    width: 8,
    height: 8,
    bytes: 1,
    stats: { meanR, meanB: 0.5 },
  });
  const records = [rec("all", 0.9), rec("all", 0.8), rec("normal", 0.2), rec("normal", 0.3)];
  const sep = colourSeparability(records);
  assert.deepEqual([sep[0].stat, sep[0].auroc, sep[0].direction], ["meanR", 1, "higher"]);
  assert.equal(sep[1].auroc, 0.5); // meanB is constant
  const three = [...records, { ...rec("normal", 0.25), cls: "other", stats: { meanR: 0.25, meanB: 0.1 } }];
  const per = classSeparability(three);
  assert.deepEqual(per.map((c) => [c.cls, c.stat, c.separation, c.direction]), [
    ["all", "meanR", 1, "higher"],
    ["other", "meanB", 1, "lower"],
    ["normal", "meanR", 5 / 6, "lower"], // normal {0.2, 0.3} vs rest {0.9, 0.8, 0.25}: 1 pair of 6 higher
  ]);
  const h = histogramRows(records, ["meanR"], 4).filter((r) => r.cls === "all");
  assert.equal(h.length, 6);
  assert.equal(h.reduce((s, r) => s + r.share, 0), 1);
});
