import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePng } from "../../../model/core/mod.ts";
import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
import type { PredictionRow } from "../metrics/predictions.ts";
import { evaluatePredictions } from "../metrics/report.ts";
import { buildEdaReport } from "./eda.ts";
import { buildEvalReport } from "./eval.ts";
import { fileLoader } from "./files.ts";
import { parseHistory } from "./history.ts";
import { encodeRgbaPng, pngSize } from "./png.ts";

const solidPng = (w: number, h: number, rgb: [number, number, number]) => {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return encodeRgbaPng({ width: w, height: h, data });
};

/** Every PNG file the HTML references, checked to exist and decode; returns their sizes. */
async function checkPngs(dir: string, html: string): Promise<Map<string, { width: number; height: number }>> {
  const refs = [...html.matchAll(/src="([^"]+\.png)"/g)].map((m) => m[1]);
  assert.ok(refs.length > 0, "the page references no PNG");
  const sizes = new Map<string, { width: number; height: number }>();
  for (const ref of refs) {
    assert.ok(!ref.includes("/") && !ref.startsWith("http"), `${ref} must be a file beside the page`);
    const bytes = new Uint8Array(await readFile(join(dir, ref)));
    const size = pngSize(bytes);
    assert.ok(size.width > 0 && size.height > 0, `${ref} has an empty IHDR`);
    sizes.set(ref, size);
  }
  return sizes;
}

async function withTemp(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "report-test-"));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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

Deno.test("EDA report: counts, montages, mean images, colour separability from a synthetic manifest", async () => {
  await withTemp(async (dir) => {
    const root = join(dir, "data");
    const items: ManifestItem[] = [];
    const colours: Record<string, [number, number, number]> = {
      Benign: [60, 60, 220],
      Pro: [220, 60, 60],
      Pre: [200, 80, 90],
    };
    const perSplit = { train: 4, val: 2, test: 2 } as const;
    for (const [cls, rgb] of Object.entries(colours)) {
      await mkdir(join(root, cls), { recursive: true });
      for (const [split, n] of Object.entries(perSplit)) {
        for (let i = 0; i < n; i++) {
          const path = `${cls}/${split}_${i}.png`;
          // brightness varies a little per image so the statistics are not all equal
          await writeFile(join(root, path), solidPng(24, 16, rgb.map((v) => v - 4 * i) as [number, number, number]));
          items.push({
            path,
            label: cls === "Benign" ? "normal" : "all",
            subtype: cls,
            group: `${cls}:${split}`,
            split: split as ManifestItem["split"],
            sha256: "",
            view: "original",
          });
        }
      }
    }
    const manifest: SplitManifest = {
      version: 1,
      dataset: "synthetic",
      root,
      created: "x",
      split: { seed: 1, fractions: { train: 0.5, val: 0.25, test: 0.25 }, method: "test" },
      counts: {},
      items,
    };
    const out = join(dir, "eda");
    const r = await buildEdaReport(manifest, {
      outDir: out,
      samplesPerClass: 5,
      tile: 10,
      meanSize: 8,
      colourBaseline: { auroc: 0.97, source: "colour baseline X" },
    });
    const html = await readFile(r.html, "utf8");
    const sizes = await checkPngs(out, html);
    assert.ok(sizes.has("counts.png") && sizes.has("colour_hist_original.png") && sizes.has("colour_scatter.png"));
    // 5 tiles of 10 px in one row (8 columns), 4 px gaps.
    assert.deepEqual(sizes.get("samples_pro.png"), { width: 5 * 10 + 6 * 4, height: 10 + 2 * 4 });
    // The mean Benign image is the mean colour of its images: i = 0..3 (train), 0..1 (val, test).
    const mean = decodePng(new Uint8Array(await readFile(join(out, "mean_original_benign.png"))));
    const shift = (4 * (0 + 1 + 2 + 3 + 2 * (0 + 1))) / 8;
    assert.deepEqual([mean.width, ...mean.data.subarray(0, 3)], [
      8,
      ...[60, 60, 220].map((v) => Math.round(v - shift)),
    ]);
    // Balance table: train 8 all / 4 normal, ratio 2 : 1.
    assert.match(
      html,
      /<tr><td>train<\/td><td>original<\/td><td class="num">8<\/td><td class="num">4<\/td><td class="num">0\.667<\/td><td>2\.00 : 1<\/td>/,
    );
    const eda = JSON.parse(await readFile(join(out, "eda.json"), "utf8"));
    assert.equal(eda.measured, 24);
    assert.deepEqual(
      eda.counts.filter((c: { split: string }) => c.split === "val").map((
        c: { cls: string; count: number },
      ) => [c.cls, c.count]),
      [["Benign", 2], ["Pre", 2], ["Pro", 2]],
    );
    // Blue is lower in every all image than in any normal one: a perfect one-number colour rule.
    const meanB = r.separability.find((s) => s.stat === "meanB")!;
    assert.deepEqual([meanB.separation, meanB.direction], [1, "lower"]);
    assert.match(html, /Caveat: colour alone separates the classes/);
    assert.match(html, /A colour-only model \(colour baseline X\) reaches a test AUROC of 0\.970/);
    assert.equal(r.colourShortcut, true);
  });
});
