import assert from "node:assert/strict";
import { decodePng } from "../../../model/core/mod.ts";
import type { ManifestItem } from "../data/split_manifest.ts";
import type { PredictionRow } from "../metrics/predictions.ts";
import {
  balanceRows,
  classSeparability,
  colourSeparability,
  countRows,
  histogramRows,
  type ImageRecord,
  spreadSample,
} from "./eda_data.ts";
import { confusionCells, misclassified, reliabilityRows, scorePredictions, subtypeCells } from "./eval_data.ts";
import { zoomDomains } from "./eval_charts.ts";
import { bestEpoch, parseHistory } from "./history.ts";
import { escapeHtml, table } from "./html.ts";
import { addToMean, floatToRgba, meanOf, montage } from "./images.ts";
import { encodeRgbaPng, pngSize } from "./png.ts";

const solid = (w: number, h: number, rgb: [number, number, number]) => {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return { width: w, height: h, data };
};

Deno.test("png: encoded pixels decode back; pngSize reads IHDR and rejects non-PNG bytes", () => {
  const img = solid(5, 3, [10, 200, 30]);
  const png = encodeRgbaPng(img);
  assert.deepEqual(pngSize(png), { width: 5, height: 3 });
  assert.deepEqual(decodePng(png).data, img.data);
  assert.equal(png[25], 2); // opaque → RGB colour type
  const translucent = { ...img, data: img.data.map((v, i) => (i === 3 ? 100 : v)) };
  const png2 = encodeRgbaPng(translucent);
  assert.equal(png2[25], 6);
  assert.deepEqual(decodePng(png2).data, translucent.data);
  assert.throws(() => pngSize(new Uint8Array(30)), /signature/);
});

Deno.test("montage places tiles in a grid with gaps; mean image averages", () => {
  const m = montage([solid(2, 2, [255, 0, 0]), solid(2, 2, [0, 255, 0]), solid(2, 2, [0, 0, 255])], 2, 1);
  assert.deepEqual([m.width, m.height], [2 * 2 + 3, 2 * 2 + 3]);
  const px = (x: number, y: number) => [...m.data.subarray((y * m.width + x) * 4, (y * m.width + x) * 4 + 3)];
  assert.deepEqual(px(0, 0), [255, 255, 255]); // gap
  assert.deepEqual(px(1, 1), [255, 0, 0]);
  assert.deepEqual(px(4, 1), [0, 255, 0]);
  assert.deepEqual(px(1, 4), [0, 0, 255]);
  assert.deepEqual(px(4, 4), [255, 255, 255]); // empty slot
  const f = (v: number) => ({ width: 1, height: 1, data: new Float32Array([v, v, v]) });
  assert.deepEqual([...floatToRgba(meanOf(addToMean(addToMean(undefined, f(0)), f(1)))).data], [128, 128, 128, 255]);
});

Deno.test("html: escaping and numeric cells", () => {
  assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  assert.match(table(["a"], [[0.12345], ["<b>"]]), /<td class="num">0\.123<\/td>.*&lt;b&gt;/s);
});

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

Deno.test("history: flat, nested and column shapes; best epoch by val loss", () => {
  const flat = parseHistory([{ epoch: 1, loss: 0.7, val_loss: 0.6, valAuc: 0.8, lr: 1e-3, seconds: 9 }, {
    epoch: 2,
    loss: 0.5,
    val_loss: 0.65,
    valAuc: 0.85,
    lr: 1e-3,
  }]);
  assert.deepEqual(flat.filter((r) => r.epoch === 1).map((r) => `${r.split}:${r.metric}=${r.value}`).sort(), [
    "other:lr=0.001",
    "train:loss=0.7",
    "val:auc=0.8",
    "val:loss=0.6",
  ]);
  assert.equal(bestEpoch(flat), 1);
  const nested = parseHistory({ epochs: [{ train: { loss: 1 }, val: { loss: 2 } }] });
  assert.deepEqual(nested.map((r) => [r.epoch, r.split, r.metric, r.value]), [[1, "train", "loss", 1], [
    1,
    "val",
    "loss",
    2,
  ]]);
  const cols = parseHistory({ epoch: [0, 1], history: { loss: [1, 0.5], training_acc: [0.5, 0.7] } });
  assert.deepEqual(cols.map((r) => `${r.epoch}:${r.split}:${r.metric}`), [
    "0:train:acc",
    "1:train:acc",
    "0:train:loss",
    "1:train:loss",
  ]);
  assert.throws(() => parseHistory({ note: "x" }), /no per-epoch numbers/);
});

const pred = (path: string, split: "val" | "test", label: "all" | "normal", logit: number): PredictionRow => ({
  path,
  split,
  label,
  logit,
});

Deno.test("eval data: confusion with and without review band; misclassified order; reliability before/after", () => {
  const rows = scorePredictions([
    pred("t1", "test", "all", 3), // p .95 → all
    pred("t2", "test", "all", -3), // p .05 → normal: FN, confident
    pred("t3", "test", "all", -0.5), // p .38 → normal (FN) but in band → review
    pred("t4", "test", "normal", 2), // p .88 → all: FP, outside band
    pred("t5", "test", "normal", -3),
  ], 1);
  const op = { temperature: 1, threshold: 0.5, reviewBand: [0.3, 0.6] as [number, number] };
  const cells = confusionCells(rows, op);
  const count = (mode: string, truth: string, predicted: string) =>
    cells.find((c) => c.mode === mode && c.truth === truth && c.predicted === predicted)!.count;
  assert.deepEqual([
    count("threshold", "all", "all"),
    count("threshold", "all", "normal"),
    count("threshold", "normal", "all"),
    count("threshold", "normal", "normal"),
  ], [1, 2, 1, 1]);
  assert.deepEqual([
    count("with review band", "all", "normal"),
    count("with review band", "all", "review"),
    count("with review band", "all", "all"),
  ], [1, 1, 1]);
  assert.deepEqual(misclassified(rows, 0.5, "test").map((r) => [r.path, r.error]), [["t2", "false negative"], [
    "t3",
    "false negative",
  ], ["t4", "false positive"]]);
  const rel = reliabilityRows([pred("v1", "val", "all", 4), pred("v2", "val", "normal", 4)], 4, 10);
  assert.deepEqual(rel.map((r) => [r.calibration, r.count, r.fractionPositive]), [["before (T = 1)", 2, 0.5], [
    "after (T = 4.00)",
    2,
    0.5,
  ]]);
  assert.ok(rel[0].meanPredicted > 0.98 && Math.abs(rel[1].meanPredicted - 0.731) < 1e-3);
});

Deno.test("eval data: subtype confusion from the subtype head's argmax", () => {
  const row = (subtype: string, subtypeLogits: number[]): PredictionRow => ({
    path: subtype + subtypeLogits,
    split: "test",
    label: "all",
    subtype,
    logit: 1,
    subtypeLogits,
  });
  const cells = subtypeCells([row("Pre", [0, 2, 1]), row("Pre", [0, 1, 3]), row("Pro", [5, 0, 0]), {
    ...row("Pro", [0, 0, 1]),
    subtypeLogits: undefined,
  }], ["Benign", "Pre", "Pro"]);
  const get = (t: string, p: string) => cells.find((c) => c.truth === t && c.predicted === p)!;
  assert.deepEqual([get("Pre", "Pre").count, get("Pre", "Pro").count, get("Pre", "Pro").share], [1, 1, 0.5]);
  assert.deepEqual([get("Pro", "Benign").count, get("Pro", "Pro").count], [1, 0]);
  assert.equal(cells.length, 9);
});

Deno.test("zoomed ROC/PR ranges frame the operating points", () => {
  assert.deepEqual(zoomDomains([{ fpr: 0.05, tpr: 0.95, precision: 1 }, { fpr: 0.01, tpr: 0.99, precision: 0.97 }]), {
    fprMax: 0.1,
    tprMin: 0.9,
    precisionMin: 0.9,
  });
  assert.deepEqual(zoomDomains([{ fpr: 0.6, tpr: 0.5, precision: 0.4 }]), { fprMax: 1, tprMin: 0, precisionMin: 0 });
});
