/**
 * Robustness to stain/acquisition shift: scores a split under every cell of the shift grid
 * (brightness, saturation, hue, JPEG quality, combined corners), at the card's temperature and
 * threshold, for the model and for a colour-only baseline, and reports the worst cell and the drop
 * against the unshifted images in points.
 *
 *   deno task shift --model model/all-v4.int8.onnx --manifest runs/taleqani/manifest.json
 *     --split test --out runs/x/shift.json [--baseline runs/x/colour_baseline.json | --no-baseline]
 *     [--cells "identity,jpeg q50"] [--limit 100] [--threads 1] [--tolerance 2]
 *     [--baseline-target-sensitivity 0.99] [--domain runs/x/domain.json]
 *
 * `--domain FILE`: the input-domain check to apply (fit_domain.ts's `--out`) instead of the
 * card's; the pipeline's shift step uses it, since the run's own card has none yet. A check with
 * a feature distance (`fit_domain.ts --features`) runs the model once more per batch for the
 * shifted images' pooled features (`scripts/lib/shift/score.ts`'s `domainFlagScorer`).
 *
 * `--baseline FILE`: the colour baseline (scripts/lib/baseline's features and logistic regression,
 * wrapped by scripts/lib/shift/colour_baseline.ts) is loaded from FILE when it exists, else fitted
 * on the manifest's train originals, its threshold chosen on val for sensitivity
 * `--baseline-target-sensitivity` (default 0.99, the model's default), and saved there. Without
 * `--baseline` it is fitted and not saved.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { cliArgs, UsageError } from "./lib/run/cli.ts";
import type { PreprocessSpec } from "../model/core/mod.ts";
import type { Split, SplitManifest } from "./lib/data/split_manifest.ts";
import type { ColourBaseline } from "./lib/shift/colour_baseline.ts";
import type { FloatScorer } from "./lib/shift/score.ts";

const USAGE = `Usage: deno task shift --model <model.onnx> --manifest <manifest.json> --out <shift.json> [options]
  (node --import tsx scripts/evaluate_shift.ts …)
  --model FILE            the ONNX model (its card gives temperature, threshold and preprocessing)
  --manifest FILE         the split manifest
  --out FILE              the report to write, e.g. runs/x/shift.json
  --split S               train | val | test (test)
  --baseline FILE         the colour baseline: loaded when FILE exists, else fitted and saved there
  --no-baseline           no colour baseline
  --baseline-target-sensitivity X  the baseline's val sensitivity target (0.99)
  --cells A,B             only these grid cells (e.g. "identity,jpeg q50"; default: the whole grid)
  --limit N               at most N images of the split
  --threads N             onnxruntime-node threads (1)
  --tolerance P           points of drop a cell may show before it counts as a failure (2)
  --domain FILE           the input-domain check to apply instead of the card's (deno task domain's --out)`;

const SPLITS = ["train", "val", "test"];

const values = cliArgs({
  name: "evaluate_shift.ts",
  usage: USAGE,
  example:
    "deno task shift --model model/all-v5.int8.onnx --manifest runs/np/manifest.json --out runs/x/shift.json \\\n" +
    "  --baseline runs/x/colour_baseline.json",
  options: {
    model: { type: "string" },
    manifest: { type: "string" },
    split: { type: "string", default: "test" },
    out: { type: "string" },
    baseline: { type: "string" },
    "no-baseline": { type: "boolean", default: false },
    cells: { type: "string" },
    limit: { type: "string" },
    threads: { type: "string", default: "1" },
    tolerance: { type: "string", default: "2" },
    "baseline-target-sensitivity": { type: "string", default: "0.99" },
    domain: { type: "string" },
  },
  required: ["model", "manifest", "out"],
}, (v) => {
  if (!SPLITS.includes(v.split!)) throw new UsageError(`--split must be train, val or test, got "${v.split}"`);
  return { ...v, model: v.model!, manifest: v.manifest!, out: v.out! };
});

const { toFloatRgb } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { loadModelFile } = await import("../model/core/mod.ts");
const { fitColourBaseline, parseColourBaseline, predictColourBaseline } = await import(
  "./lib/shift/colour_baseline.ts"
);
const { BEYOND_GRID, selectCells, SHIFT_GRID } = await import("./lib/shift/grid.ts");
const { hasValSplit, loadImages, selectItems } = await import("./lib/shift/load.ts");
const { formatShiftTable, summarizeShift } = await import("./lib/shift/report.ts");
const { readRunJsonAt } = await import("./lib/run/run_folder.ts");
const { domainFlagScorer, modelFloatScorer, scoreGrid } = await import("./lib/shift/score.ts");

async function colourBaseline(
  file: string | undefined,
  manifest: SplitManifest,
  spec: PreprocessSpec,
  targetSensitivity: number,
  log: (s: string) => void,
): Promise<{ baseline: ColourBaseline; source: string }> {
  if (file && existsSync(file)) {
    return { baseline: parseColourBaseline(JSON.parse(await readFile(file, "utf8"))), source: `loaded ${file}` };
  }
  const labelled = async (split: Split) =>
    (await loadImages(manifest, selectItems(manifest, { split }))).map((l) => ({
      image: toFloatRgb(l.rgba, spec),
      positive: l.item.label === "all",
    }));
  if (!hasValSplit(manifest)) {
    throw new UsageError(
      "the colour baseline's threshold is chosen on val, and this manifest has none (a refit): " +
        "pass --no-baseline, or --baseline FILE fitted on a manifest with a val split",
    );
  }
  const train = await labelled("train");
  log(`fitting the colour baseline on ${train.length} train images, threshold on val…`);
  const baseline = fitColourBaseline(train, await labelled("val"), { targetSensitivity });
  if (file) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(baseline) + "\n");
  }
  return {
    baseline,
    source: `fitted on ${train.length} train originals of ${manifest.dataset}, threshold on val${
      file ? `, saved to ${file}` : ""
    }`,
  };
}

async function main(): Promise<void> {
  const log = (s: string) => console.error(s);
  // Native onnxruntime, one session.run per scorer call (maxBatch: a batch of 1 rounds differently).
  const threads = Number(values.threads);
  const model = await loadModelFile(values.model, { backend: "node", threads, maxBatch: Infinity });
  const card = model.card;
  const manifest = await readSplitManifest(values.manifest);
  const cells = values.cells
    ? selectCells(values.cells.split(",").map((s) => s.trim()))
    : [...SHIFT_GRID, ...BEYOND_GRID];
  if (!cells.some((c) => c.kind === "identity")) cells.unshift(SHIFT_GRID[0]);
  const items = selectItems(manifest, {
    split: values.split as Split,
    limit: values.limit ? Number(values.limit) : undefined,
  });
  log(`decoding ${items.length} ${values.split} images…`);
  const images = await loadImages(manifest, items);
  const positive = images.map((i) => i.item.label === "all");

  const scorers: Record<string, FloatScorer> = { model: modelFloatScorer(model) };
  // the card's input-domain check (or --domain's) on the shifted image, exactly as the service applies
  // it: statistic ranges, and with a feature check the distance of the model's pooled features
  const domain = values.domain ? (await readRunJsonAt(values.domain, "domain"))! : card.domain;
  if (domain) {
    scorers.domain = domainFlagScorer(model, domain);
    log(`domain check: ${domain.features ? "feature distance + " : ""}${Object.keys(domain.ranges).length} ranges`);
  }
  let baselineSource: string | undefined;
  let baseline: ColourBaseline | undefined;
  if (!values["no-baseline"]) {
    const b = await colourBaseline(
      values.baseline,
      manifest,
      card.preprocess,
      Number(values["baseline-target-sensitivity"]),
      log,
    );
    baselineSource = b.source;
    baseline = b.baseline;
    scorers.baseline = (imgs) => imgs.map((im) => predictColourBaseline(b.baseline, im));
  }
  const started = Date.now();
  const byScorer = await scoreGrid(images.map((i) => i.rgba), cells, card.preprocess, scorers, {
    onCell: (cell, done, total) =>
      log(`  [${done}/${total}] ${cell.name} (${((Date.now() - started) / 1000).toFixed(0)} s)`),
  });
  const modelCells = byScorer.domain
    ? byScorer.model.map((c, i) => ({ ...c, outOfDomain: byScorer.domain[i].scores.map((v) => v === 1) }))
    : byScorer.model;
  const tolerancePts = Number(values.tolerance);
  const modelReport = summarizeShift(positive, modelCells, {
    threshold: card.threshold,
    reviewBand: card.reviewBand,
    tolerancePts,
  });
  const baselineReport = byScorer.baseline
    ? summarizeShift(positive, byScorer.baseline, { threshold: baseline!.threshold, tolerancePts })
    : undefined;

  const result = {
    kind: "shift-robustness",
    created: new Date().toISOString(),
    model: {
      path: values.model,
      id: card.id,
      version: card.version,
      sha256: card.sha256,
      temperature: card.temperature,
      threshold: card.threshold,
    },
    data: {
      manifest: values.manifest,
      dataset: manifest.dataset,
      split: values.split,
      n: images.length,
      ...(values.limit ? { limit: Number(values.limit) } : {}),
    },
    pipeline:
      "decode → [JPEG re-encode at quality q, decode] → crop + area resize (card) → [lamp/stain/defocus] → HSV colour shift → card normalisation → ONNX → sigmoid(logit / T) ≥ threshold; service = review when the card's domain check flags the shifted image or p is in the review band",
    domainCheck: domain ? (domain.features ? "feature distance + ranges" : "ranges") : "none",
    grid: cells,
    target: `drop vs identity ≤ ${tolerancePts} points in sensitivity and specificity on every cell`,
    modelWithinTarget: modelReport.withinTolerance,
    results: {
      model: modelReport,
      ...(baselineReport
        ? {
          baseline: {
            ...baselineReport,
            source: baselineSource,
            kind: `colour-logistic (scripts/lib/baseline: ${
              baseline!.bins
            }³-bin RGB histogram + channel mean/std), threshold for val sensitivity ${baseline!.targetSensitivity}`,
          },
        }
        : {}),
    },
  };
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(
    values.out,
    JSON.stringify(result, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1) + "\n",
  );
  console.log(formatShiftTable(`model ${card.id} ${card.version}`, modelReport));
  if (baselineReport) console.log("\n" + formatShiftTable("colour baseline", baselineReport));
  console.log(`wrote ${values.out}`);
  await model.close();
}

main().catch((err) => {
  console.error(`evaluate_shift: ${(err as Error).message}`);
  process.exit(1);
});
