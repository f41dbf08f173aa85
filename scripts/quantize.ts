/**
 * The quantize step: the run's float ONNX model (`deno task export`) → static int8 QDQ, calibrated
 * on training images; both models scored on the val and test splits with onnxruntime-web (the
 * service's runtime) and evaluated (temperature, threshold and review band chosen on val); int8
 * against float on test; int8 on native onnxruntime-node against onnxruntime-web. Writes
 * `<run>/model.int8.onnx`, `<run>/export_report.json` and the run's own cards
 * (`<run>/model.float.json`, `<run>/model.int8.json`: what the domain and shift steps load the
 * models with; `deno task card` writes the final ones with the step reports).
 *
 *   deno task quantize --run runs/cand/w75 --manifest runs/taleqani/manifest.json --version 5.0.0
 *
 * Weights are quantised to 7 bits (±63) unless `--full-range`: x86 CPUs without VNNI saturate the
 * u8×s8 products of full-range int8 weights in onnxruntime's native kernels (a constant logit was
 * seen with onnxruntime-node); the step reports native-vs-web agreement either way.
 *
 * Fails (exit 1, nothing written) when the int8 model's labels agree with the float model's on
 * less than 99% of the test split.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { cliArgs, numberFlag, StepError, stepFailed } from "./lib/run/cli.ts";
import type { ExportReport, QuantizationSummary } from "./lib/run/run_folder.ts";
import { RUN_FILES, runPath } from "./lib/run/run_files.ts";

/** Least share of test labels the int8 model must keep. */
const MIN_AGREEMENT = 0.99;

const USAGE = `Usage: deno task quantize --run <run folder> --manifest <split manifest> [options]
  (node --import tsx scripts/quantize.ts …)
  --run DIR             the run folder, after deno task export (model.float.onnx, onnx_export.json)
  --manifest FILE       its split manifest: train images calibrate, val/test evaluate
  --calibration N       training images to calibrate the activations on (256)
  --target-sensitivity X  sensitivity the threshold is chosen for on val (0.99)
  --point FILE          evaluate float and int8 at the point fitted on a recipe's out-of-fold scores
                        (a deno task folds --out report; see deno task evaluate --point)
  --full-range          full int8 weight range (default: 7 bits, ±63; see the module doc)
  --id ID --version V   the model's identity in the run's cards (all-screen, 1.0.0); the card step keeps it
Writes <run>/model.int8.onnx, <run>/export_report.json, <run>/model.float.json and <run>/model.int8.json.
Next: deno task domain, deno task shift, deno task card.`;

const args = cliArgs({
  name: "quantize.ts",
  usage: USAGE,
  example: "deno task quantize --run runs/np/wbzoom --manifest runs/np/manifest.json --version 5.0.0 --calibration 512",
  options: {
    run: { type: "string" },
    manifest: { type: "string" },
    calibration: { type: "string", default: "256" },
    "target-sensitivity": { type: "string", default: "0.99" },
    "full-range": { type: "boolean", default: false },
    point: { type: "string" },
    id: { type: "string", default: "all-screen" },
    version: { type: "string", default: "1.0.0" },
  },
  required: ["run", "manifest"],
  moved: {
    out: "the card step (deno task card --run <run> --name <name> --out model)",
    name: "the card step (deno task card --run <run> --name <name> --out model)",
  },
}, (v) => ({
  run: v.run!,
  manifest: v.manifest!,
  calibration: numberFlag(v.calibration, "calibration", { integer: true, min: 1 }),
  targetSensitivity: numberFlag(v["target-sensitivity"], "target-sensitivity", { min: 0.5, max: 1 }),
  fullRange: v["full-range"] === true,
  point: v.point,
  id: v.id!,
  version: v.version!,
}));

const { buildModelCard, probabilityFromLogit } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { evaluatePredictions, formatEvalTable } = await import("./lib/metrics/report.ts");
const { quantizeQdq } = await import("./lib/onnx/quantize.ts");
const { ensembleKeepsFloat } = await import("./lib/onnx/ensemble.ts");
const { cardFields } = await import("./lib/run/card_fields.ts");
const { batches, maxLogitDiff, onnxLogits, predictionRows } = await import("./lib/run/onnx_scoring.ts");
const { readRunJson } = await import("./lib/run/run_folder.ts");
const { pointMismatch, readPointFile } = await import("./lib/run/fixed_point.ts");
const { hasValSplit, loadImages, selectItems } = await import("./lib/shift/load.ts");

const log = (msg: string) => console.error(msg);

async function main(): Promise<void> {
  const run = args.run;
  const onnxExport = await readRunJson(run, "onnxExport");
  const spec = await readRunJson(run, "preprocess");
  const trainConfig = await readRunJson(run, "trainConfig");
  const history = await readRunJson(run, "history");
  const floatBytes = new Uint8Array(
    await readFile(runPath(run, "floatModel")).catch(() => {
      throw new StepError(`${runPath(run, "floatModel")} is missing; run \`deno task export --run ${run}\` first`);
    }),
  );
  const manifest = await readSplitManifest(args.manifest);
  const manifestBytes = await readFile(args.manifest);
  if (manifest.dataset !== trainConfig.dataset) {
    throw new StepError(
      `${args.manifest} is a ${manifest.dataset} manifest but ${run} was trained on ${trainConfig.dataset}; ` +
        `pass the run's manifest`,
    );
  }
  const io = onnxExport.io;
  const point = args.point ? await readPointFile(args.point) : undefined;
  const problem = point && pointMismatch(point, trainConfig.ensemble?.map((m) => m.temperature));
  if (problem) throw new StepError(`${args.point} does not fit ${run}: ${problem}`);

  // Images: val (threshold), test (metrics + int8 agreement), train (calibration). A refit on every
  // non-test image has no val split: it is evaluated at its --point only.
  const hasVal = hasValSplit(manifest);
  if (!hasVal && !point) {
    throw new StepError(
      `${args.manifest} has no val split (a refit): quantize it at its out-of-fold point, --point FILE`,
    );
  }
  const val = hasVal ? await loadImages(manifest, selectItems(manifest, { split: "val" })) : [];
  const test = await loadImages(manifest, selectItems(manifest, { split: "test" }));
  const calib = await loadImages(manifest, selectItems(manifest, { split: "train", limit: args.calibration }));
  log(`images: val ${val.length}, test ${test.length}, calibration ${calib.length} (train originals)`);

  // 1. Quantise with calibration on training images.
  const { bytes: int8Bytes, report: qReport } = await quantizeQdq(
    floatBytes,
    (function* () {
      for (const b of batches(calib, spec, "NCHW")) yield b.data;
    })(),
    { method: "minmax", reduceRange: !args.fullRange, keepFloat: ensembleKeepsFloat },
  );
  log(
    `int8: ${qReport.nodesQuantized} weight nodes, ${int8Bytes.length} bytes (${
      (qReport.sizeRatio * 100).toFixed(1)
    }% of float)`,
  );

  // 2. Score both models on val and test; evaluate each with its own val-fitted calibration.
  const evalImages = [...val, ...test];
  const floatOut = await onnxLogits(floatBytes, evalImages, spec, io);
  const int8Out = await onnxLogits(int8Bytes, evalImages, spec, io);
  const floatEval = evaluatePredictions(predictionRows(evalImages, floatOut.logits), {
    point,
    targetSensitivity: args.targetSensitivity,
    source: "float onnx",
  });
  const int8Eval = evaluatePredictions(predictionRows(evalImages, int8Out.logits), {
    point,
    targetSensitivity: args.targetSensitivity,
    source: "int8 onnx",
  });
  console.log("\nfloat32 ONNX\n" + formatEvalTable(floatEval));
  console.log("\nint8 QDQ ONNX\n" + formatEvalTable(int8Eval));

  // 3. int8 vs float on the test split, at the float model's operating point.
  const testIdx = evalImages.map((im, i) => (im.item.split === "test" ? i : -1)).filter((i) => i >= 0);
  let agree = 0;
  let maxDp = 0;
  let sumDp = 0;
  for (const i of testIdx) {
    const pf = probabilityFromLogit(floatOut.logits[i], floatEval.temperature);
    const pq = probabilityFromLogit(int8Out.logits[i], floatEval.temperature);
    if ((pf >= floatEval.threshold) === (pq >= floatEval.threshold)) agree++;
    maxDp = Math.max(maxDp, Math.abs(pf - pq));
    sumDp += Math.abs(pf - pq);
  }

  // 4. int8 on native onnxruntime-node with all its fusions (what a native deployment would run)
  //    against onnxruntime-web: this measures the fused native path on purpose.
  const nativeDiff = await maxLogitDiff(int8Bytes, evalImages, spec, io, int8Out.logits, {
    backend: "node",
    optimization: "all",
    allowNativeInt8Fusion: true,
  });
  log(
    `int8 on onnxruntime-node (native, optimisation "all") vs onnxruntime-web: max |Δlogit| ${nativeDiff.toFixed(4)}`,
  );

  const quantization: QuantizationSummary = {
    method: `static int8 QDQ: per-channel symmetric int8 weights${
      args.fullRange ? "" : " in 7-bit range (±63)"
    }, uint8 asymmetric activations (min/max), calibrated on training images`,
    calibrationImages: qReport.images,
    floatBytes: floatBytes.length,
    int8Bytes: int8Bytes.length,
    sizeRatio: qReport.sizeRatio,
    testLabelAgreement: agree / testIdx.length,
    testMaxAbsScoreDiff: maxDp,
    testMeanAbsScoreDiff: sumDp / testIdx.length,
    parityFloatMaxAbsLogitDiff: onnxExport.parity.maxAbsLogitDiff,
    parityImages: onnxExport.parity.images,
    reducedRangeWeights: !args.fullRange,
    nativeVsWebMaxAbsLogitDiff: nativeDiff,
  };
  log(
    `int8 vs float on test: agreement ${(quantization.testLabelAgreement * 100).toFixed(2)}%, max |Δp| ${
      maxDp.toFixed(4)
    }, mean |Δp| ${quantization.testMeanAbsScoreDiff.toFixed(5)}`,
  );
  if (quantization.testLabelAgreement < MIN_AGREEMENT) {
    throw new StepError(
      `int8 label agreement ${quantization.testLabelAgreement} < ${MIN_AGREEMENT}: quantisation lost too much; ` +
        `try more --calibration images, or --full-range (8-bit weights; all-v5 needed it) (nothing was written)`,
    );
  }

  // 5. The run's own cards (no step reports yet) and the report.
  const exportReport: ExportReport = { quantization, float: floatEval, int8: int8Eval };
  const parts = {
    manifest,
    manifestSha256: createHash("sha256").update(manifestBytes).digest("hex"),
    preprocess: spec,
    trainConfig,
    epochs: history.length,
    onnxExport,
    exportReport,
  };
  const models = [
    ["floatModel", "floatCard", floatBytes, "float32"],
    ["int8Model", "int8Card", int8Bytes, "int8-qdq"],
  ] as const;
  await writeFile(runPath(run, "int8Model"), int8Bytes);
  for (const [model, card, bytes, precision] of models) {
    const file = RUN_FILES[model].path;
    const built = await buildModelCard(
      cardFields(parts, {}, { id: args.id, version: args.version, file, precision }),
      bytes,
    );
    await writeFile(runPath(run, card), JSON.stringify(built, null, 2) + "\n");
  }
  await writeFile(runPath(run, "exportReport"), JSON.stringify(exportReport, null, 1));
  log(`wrote ${runPath(run, "int8Model")}, ${runPath(run, "exportReport")} and the run's cards`);
}

main().catch(stepFailed("quantize"));
