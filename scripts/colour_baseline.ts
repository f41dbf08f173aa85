/**
 * The colour baseline: logistic regression on a coarse RGB histogram + per-channel mean/std of
 * the resized image, trained on the manifest's train originals, evaluated exactly like the CNN
 * (temperature, threshold and review band chosen on val), plus its test sensitivity/specificity
 * under colour shifts at the same threshold. Report the CNN beside it.
 *
 *   deno task baseline --manifest runs/taleqani/manifest.json --out runs/taleqani/colour_baseline
 *     [--size 64] [--bins 4] [--l2 1] [--target-sensitivity 0.99] [--include-views]
 * Writes <out>/predictions.json (trainer format) and <out>/eval.json, named as in a run folder (the
 * pipeline's `<run>/colour_baseline/`).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cliArgs, numberFlag } from "./lib/run/cli.ts";
import type { PreprocessSpec } from "../model/core/mod.ts";
import type { FloatRgbImage } from "../model/core/mod.ts";
import type { ColorShift } from "./lib/shift/hsv.ts";

const USAGE = `Usage: deno task baseline --manifest <manifest.json> --out <folder> [options]
  (node --import tsx scripts/colour_baseline.ts …)
  --manifest FILE         the split manifest: fitted on train originals, threshold and band on val
  --out DIR               where predictions.json and eval.json go (a run's colour_baseline/)
  --size N                side the images are resized to before the features (64)
  --bins N                histogram bins per channel (4)
  --l2 X                  L2 penalty of the logistic regression (1)
  --target-sensitivity X  the val sensitivity the threshold is chosen for (0.99)
  --include-views         also train on the manifest's extra views (e.g. segmented), not only originals
Prints the baseline's evaluation and its test sensitivity/specificity under mild colour shifts.`;

const args = cliArgs({
  name: "colour_baseline.ts",
  usage: USAGE,
  example: "deno task baseline --manifest runs/np/manifest.json --out runs/np/wbzoom/colour_baseline",
  options: {
    manifest: { type: "string" },
    out: { type: "string" },
    size: { type: "string" },
    bins: { type: "string" },
    l2: { type: "string" },
    "target-sensitivity": { type: "string" },
    "include-views": { type: "boolean", default: false },
  },
  required: ["manifest", "out"],
}, (v) => ({
  manifest: v.manifest!,
  out: v.out!,
  size: numberFlag(v.size, "size", { integer: true, min: 8, fallback: 64 }),
  bins: numberFlag(v.bins, "bins", { integer: true, min: 1, fallback: 4 }),
  l2: numberFlag(v.l2, "l2", { min: 0, fallback: 1 }),
  "target-sensitivity": numberFlag(v["target-sensitivity"], "target-sensitivity", { min: 0.5, max: 1, fallback: 0.99 }),
  "include-views": v["include-views"] === true,
}));

const { decodeImage } = await import("../model/core/mod.ts");
const { toFloatRgb } = await import("../model/core/mod.ts");
const { runColourBaseline } = await import("./lib/baseline/baseline.ts");
const { colourFeatures } = await import("./lib/baseline/features.ts");
const { logisticLogit } = await import("./lib/baseline/logistic.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { sigmoid } = await import("./lib/metrics/calibration.ts");
const { confusionAt, rates } = await import("./lib/metrics/confusion.ts");
const { evaluatePredictions, formatEvalTable } = await import("./lib/metrics/report.ts");
const { shiftColors } = await import("./lib/shift/hsv.ts");
const { runPath } = await import("./lib/run/run_folder.ts");

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
  const values = args;
  const manifest = await readSplitManifest(values.manifest);
  const { size, bins } = values;
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
