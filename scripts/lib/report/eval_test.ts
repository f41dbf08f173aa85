import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodePng } from "../../../model/core/mod.ts";
import type { PredictionRow } from "../metrics/predictions.ts";
import { evaluatePredictions } from "../metrics/report.ts";
import { buildEvalReport } from "./eval.ts";
import { fileLoader } from "./files.ts";
import { parseHistory } from "./history.ts";
import { checkPngs, solidPng, withTemp } from "../../../tests/helpers/report.ts";

Deno.test("evaluation report: charts, confusion counts, gallery (false negatives first) and HTML", async () => {
  await withTemp(async (dir) => {
    const root = join(dir, "images");
    await mkdir(root);
    // val: well separated with one error each way; test: 6 all (2 missed), 4 normal (1 false alarm)
    const preds: PredictionRow[] = [];
    const add = (path: string, split: "val" | "test", label: "all" | "normal", logit: number) =>
      preds.push({
        path,
        split,
        label,
        logit,
        subtype: label === "all" ? "Pro" : "Benign",
        subtypeLogits: label === "all" ? [logit, 0] : [0, 1], // Pro images with logit < 0 are called Benign
      });
    [3, 2.5, 2, 1.5, 1, -0.5].forEach((l, i) => add(`v_all_${i}.png`, "val", "all", l));
    [-3, -2.5, -2, -1.5, 0.8].forEach((l, i) => add(`v_nor_${i}.png`, "val", "normal", l));
    [4, 3, 2.2, 1.8, -4, -2].forEach((l, i) => add(`t_all_${i}.png`, "test", "all", l));
    [-4, -3, -2.5, 3.5].forEach((l, i) => add(`t_nor_${i}.png`, "test", "normal", l));
    for (const p of preds) {
      await writeFile(join(root, p.path), solidPng(20, 16, p.label === "all" ? [200, 40, 40] : [40, 40, 200]));
    }
    const evaluation = evaluatePredictions(preds, { resamples: 20, created: "test" });
    const history = parseHistory(
      [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, val_loss: 1 / epoch + 0.1, auc: 0.8, val_auc: 0.75 })),
    );
    const out = join(dir, "report");
    const r = await buildEvalReport({
      run: "synthetic",
      predictions: preds,
      evaluation,
      history,
      load: fileLoader(root),
      subtypes: ["Pro", "Benign"],
    }, { outDir: out, tile: 32 });

    const html = await readFile(r.html, "utf8");
    const sizes = await checkPngs(out, html);
    for (
      const f of ["learning_curves.png", "roc_pr.png", "scores.png", "confusion.png", "calibration.png", "subtypes.png"]
    ) {
      assert.ok(sizes.has(f), `${f} missing from the page`);
    }
    // The expected confusion at the chosen threshold, counted here from the input logits.
    const T = evaluation.temperature, thr = evaluation.threshold;
    const testRows = preds.filter((p) => p.split === "test").map((p) => ({
      pos: p.label === "all",
      p: 1 / (1 + Math.exp(-p.logit / T)),
    }));
    const tp = testRows.filter((x) => x.pos && x.p >= thr).length,
      fn = testRows.filter((x) => x.pos && x.p < thr).length;
    const fp = testRows.filter((x) => !x.pos && x.p >= thr).length,
      tn = testRows.filter((x) => !x.pos && x.p < thr).length;
    assert.deepEqual(evaluation.metrics.test!.confusion, { tp, fn, fp, tn });
    assert.ok(fn >= 1 && fp >= 1, "the synthetic test split must have both error types");
    // The counts table: split, truth, decided all, decided normal, review.
    const cellsOf = (truth: string) => {
      const m = html.match(
        new RegExp(`<tr><td>test</td><td>${truth}</td><td class="num">(\\d+)</td><td class="num">(\\d+)</td>`),
      );
      assert.ok(m, `no counts row for test/${truth}`);
      return [Number(m[1]), Number(m[2])];
    };
    assert.deepEqual(cellsOf("all"), [tp, fn]);
    assert.deepEqual(cellsOf("normal"), [fp, tn]);
    const json = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    const cell = (truth: string, predicted: string) =>
      json.confusion.find((c: { split: string; mode: string; truth: string; predicted: string }) =>
        c.split === "test" && c.mode === "threshold" && c.truth === truth && c.predicted === predicted
      ).count;
    assert.deepEqual([cell("all", "all"), cell("all", "normal"), cell("normal", "all"), cell("normal", "normal")], [
      tp,
      fn,
      fp,
      tn,
    ]);
    const st = (truth: string, predicted: string) =>
      json.subtypeConfusion.find((c: { split: string; truth: string; predicted: string }) =>
        c.split === "test" && c.truth === truth && c.predicted === predicted
      ).count;
    assert.deepEqual([st("Pro", "Pro"), st("Pro", "Benign"), st("Benign", "Benign")], [4, 2, 4]);
    // Gallery: every test error, false negatives first (most confident miss first), each a 32×32 thumbnail of the red/blue image.
    assert.deepEqual(r.gallery.map((g) => g.error), [
      ...Array(fn).fill("false negative"),
      ...Array(fp).fill("false positive"),
    ]);
    assert.equal(r.gallery[0].path, "t_all_4.png");
    for (const g of r.gallery) {
      assert.ok(g.file && html.includes(`src="${g.file}"`), `${g.path} not shown`);
      const img = decodePng(new Uint8Array(await readFile(join(out, g.file!))));
      assert.deepEqual([img.width, img.height], [32, 32]);
      assert.deepEqual([...img.data.subarray(0, 3)], g.error === "false negative" ? [200, 40, 40] : [40, 40, 200]);
    }
    assert.match(html, new RegExp(`${fn} false negatives? \\(missed all\\) and ${fp} false positives? on test`));
    assert.match(html, new RegExp(`Temperature <b>${T.toFixed(3)}</b>`));
  });
});

Deno.test("evaluation report without history or images still renders, and says so", async () => {
  await withTemp(async (dir) => {
    const preds: PredictionRow[] = [
      { path: "a", split: "val", label: "all", logit: 2 },
      { path: "b", split: "val", label: "normal", logit: -2 },
      { path: "c", split: "val", label: "all", logit: -1 },
    ];
    const r = await buildEvalReport({
      run: "tiny",
      predictions: preds,
      evaluation: evaluatePredictions(preds, { resamples: 10 }),
    }, { outDir: dir });
    const html = await readFile(r.html, "utf8");
    assert.match(html, /No history\.json/);
    assert.match(html, /the manifest \(and so the image root\) was not found/);
    assert.ok(!r.files.includes("learning_curves.png"));
    await checkPngs(dir, html);
  });
});
