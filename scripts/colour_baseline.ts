/**
 * The colour baseline: logistic regression on a coarse RGB histogram + per-channel mean/std of
 * the resized image, trained on the manifest's train originals, evaluated exactly like the CNN
 * (temperature, threshold and review band chosen on val), plus its test sensitivity/specificity
 * under colour shifts at the same threshold. Report the CNN beside it.
 *
 * Usage:
 *   tsx scripts/colour_baseline.ts --manifest runs/taleqani/manifest.json --out runs/taleqani/colour_baseline
 *     [--size 64] [--bins 4] [--l2 1] [--target-sensitivity 0.99] [--include-views]
 * Writes <out>/predictions.json (trainer format) and <out>/eval.json, named as in a run folder (the
 * pipeline's `<run>/colour_baseline/`).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { decodeImage } from "../model/core/mod.ts";
import type { PreprocessSpec } from "../model/core/mod.ts";
import { toFloatRgb } from "../model/core/mod.ts";
import type { FloatRgbImage } from "../model/core/mod.ts";
import { runColourBaseline } from "./lib/baseline/baseline.ts";
import { colourFeatures } from "./lib/baseline/features.ts";
import { logisticLogit } from "./lib/baseline/logistic.ts";
import { readSplitManifest } from "./lib/data/split_manifest.ts";
import { sigmoid } from "./lib/metrics/calibration.ts";
import { confusionAt, rates } from "./lib/metrics/confusion.ts";
import { evaluatePredictions, formatEvalTable } from "./lib/metrics/report.ts";
import { type ColorShift, shiftColors } from "./lib/shift/hsv.ts";
import { runPath } from "./lib/run/run_folder.ts";

/** Shifts applied to test images (mild; the CNN must survive these too). */
const SHIFTS: ColorShift[] = [
  { brightness: 0.85 },
  { brightness: 1.15 },
  { saturation: 0.7 },
  { saturation: 1.3 },
  { hue: -0.03 },
  { hue: 0.03 },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      manifest: { type: "string" },
      out: { type: "string" },
      size: { type: "string", default: "64" },
      bins: { type: "string", default: "4" },
      l2: { type: "string", default: "1" },
      "target-sensitivity": { type: "string", default: "0.99" },
      "include-views": { type: "boolean", default: false },
    },
  });
  if (!values.manifest || !values.out) {
    throw new Error(
      "usage: tsx scripts/colour_baseline.ts --manifest runs/x/manifest.json --out runs/x/colour_baseline [--size 64] [--bins 4] [--l2 1]",
    );
  }
  const manifest = await readSplitManifest(values.manifest);
  const size = Number(values.size);
  const bins = Number(values.bins);
  const spec: PreprocessSpec = {
    size,
    crop: "none",
    resize: "area",
    normalization: { mode: "per-image", minStd: 0.01 },
    channelOrder: "RGB",
    alphaBackground: 0,
  };
  const images = new Map<string, FloatRgbImage>();
  const load = async (path: string): Promise<FloatRgbImage> => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(manifest.root, path)));
    } catch (err) {
      throw new Error(
        `cannot read ${join(manifest.root, path)} (${
          (err as Error).message
        }); is the dataset still at the manifest's root?`,
      );
    }
    return toFloatRgb(await decodeImage(bytes), spec);
  };
  const { model, predictions, trainCount } = await runColourBaseline(manifest.items, async (it) => {
    const img = await load(it.path);
    if (it.split !== "train") images.set(it.path, img);
    return colourFeatures(img, bins);
  }, { includeViews: values["include-views"], l2: Number(values.l2) });
  const groupOf = new Map(manifest.items.map((i) => [i.path, i.group]));
  const report = evaluatePredictions(predictions.map((p) => ({ ...p, group: groupOf.get(p.path) })), {
    targetSensitivity: Number(values["target-sensitivity"]),
    source: values.manifest,
  });

  const test = predictions.filter((p) => p.split === "test");
  const shifted = SHIFTS.map((shift) => {
    const rows = test.map((p) => ({
      score: sigmoid(
        logisticLogit(model, colourFeatures(shiftColors(images.get(p.path)!, shift), bins)),
        report.temperature,
      ),
      positive: p.label === "all",
    }));
    const r = rates(confusionAt(rows, report.threshold));
    return { shift, sensitivity: r.sensitivity, specificity: r.specificity, f1: r.f1 };
  });

  await mkdir(values.out, { recursive: true });
  await writeFile(runPath(values.out, "predictions"), JSON.stringify(predictions) + "\n");
  const out = {
    ...report,
    baseline: {
      kind: "colour-logistic",
      features: `joint RGB histogram ${bins}^3 + per-channel mean/std of the ${size}x${size} area-resized image`,
      l2: Number(values.l2),
      trainCount,
      includeViews: values["include-views"],
      manifest: values.manifest,
    },
    colourShiftTest: shifted,
  };
  await writeFile(
    runPath(values.out, "eval"),
    JSON.stringify(out, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1) + "\n",
  );
  console.log(
    `colour baseline (${trainCount} train images)\n${
      formatEvalTable(report)
    }\n\ntest under colour shifts (threshold fixed on val):`,
  );
  for (const s of shifted) {
    console.log(
      `  ${JSON.stringify(s.shift).padEnd(22)} sensitivity ${s.sensitivity.toFixed(3)}  specificity ${
        s.specificity.toFixed(3)
      }`,
    );
  }
  console.log(`wrote ${runPath(values.out, "eval")}`);
}

main().catch((err) => {
  console.error(`colour_baseline: ${(err as Error).message}`);
  process.exit(1);
});
