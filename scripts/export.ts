/**
 * Export a trained run to ONNX, check parity, quantise to int8 QDQ, evaluate both models on the
 * held-out split and write `model/<name>.float.onnx|json` and `model/<name>.int8.onnx|json`.
 *
 *   tsx scripts/export.ts --run runs/taleqani/small-gap-96 --manifest runs/taleqani/manifest.json \
 *     --out model --name all-v2 [--version 2.0.0] [--calibration 256] [--domain runs/x/domain.json] \
 *     [--shift runs/x/shift.json] [--baseline runs/x/colour_baseline/eval.json] [--ood runs/x/ood.json]
 *     [--full-range]
 *
 * Weights are quantised to 7 bits (±63) unless `--full-range`: x86 CPUs without VNNI saturate the
 * u8×s8 products of full-range int8 weights in onnxruntime's native kernels (a constant logit was
 * seen with onnxruntime-node); the script reports native-vs-web agreement either way.
 *
 * Fails (exit 1) when tfjs and onnxruntime disagree by more than 1e-4 on real images, or when the
 * int8 model's labels agree with the float model's on less than 99% of the test split.
 *
 * @module
 */
import type { ShiftReport } from "./lib/shift/report.ts";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import type { ModelCard, PreprocessSpec } from "../model/core/mod.ts";
import { preprocess } from "../model/core/mod.ts";
import { readSplitManifest, type SplitManifest } from "./lib/data/split_manifest.ts";
import { type EvalReport, evaluatePredictions, formatEvalTable } from "./lib/metrics/report.ts";
import type { PredictionRow } from "./lib/metrics/predictions.ts";
import { buildModelCard, writeModelFiles } from "./lib/onnx/card.ts";
import { exportToOnnx } from "./lib/onnx/export.ts";
import { initOrtWeb } from "../model/core/mod.ts";
import { quantizeQdq } from "./lib/onnx/quantize.ts";
import { type LoadedImage, loadImages, selectItems } from "./lib/shift/load.ts";
import { selectBackend } from "./lib/tfjs/backend.ts";
import { loadLayersModel } from "./lib/tfjs/file_io.ts";

const PARITY_TOLERANCE = 1e-4;
const MIN_AGREEMENT = 0.99;
const BATCH = 32;

const { values: args } = parseArgs({
  options: {
    run: { type: "string" },
    manifest: { type: "string" },
    out: { type: "string", default: "model" },
    name: { type: "string", default: "all-v2" },
    id: { type: "string", default: "all-screen" },
    version: { type: "string", default: "1.0.0" },
    checkpoint: { type: "string", default: "best" },
    calibration: { type: "string", default: "256" },
    "parity-images": { type: "string", default: "32" },
    "target-sensitivity": { type: "string", default: "0.99" },
    domain: { type: "string" },
    shift: { type: "string" },
    baseline: { type: "string" },
    ood: { type: "string" },
    backend: { type: "string", default: "wasm" },
    "full-range": { type: "boolean", default: false },
  },
});

if (!args.run || !args.manifest) {
  console.error(
    "usage: tsx scripts/export.ts --run <training output folder> --manifest <split manifest> [--out model] [--name all-v2]",
  );
  process.exit(2);
}

const log = (msg: string) => console.error(msg);

async function readJson<T>(file: string | undefined): Promise<T | undefined> {
  if (!file) return undefined;
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** NCHW float batch of `images` preprocessed by `spec`, in chunks of BATCH. */
function* batches(
  images: readonly LoadedImage[],
  spec: PreprocessSpec,
  layout: "NCHW" | "NHWC",
): Generator<{ data: Float32Array; n: number; start: number }> {
  const per = 3 * spec.size * spec.size;
  for (let start = 0; start < images.length; start += BATCH) {
    const chunk = images.slice(start, start + BATCH);
    const data = new Float32Array(chunk.length * per);
    chunk.forEach((im, k) => data.set(preprocess(im.rgba, spec, layout), k * per));
    yield { data, n: chunk.length, start };
  }
}

/** Logits of `images` from an ONNX model run by onnxruntime-web (the service's runtime). */
async function onnxLogits(
  bytes: Uint8Array,
  images: readonly LoadedImage[],
  spec: PreprocessSpec,
  io: ModelCard["io"],
) {
  const ort = await initOrtWeb();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all" });
  const logits: number[] = [];
  const subtypeLogits: number[][] = [];
  try {
    for (const b of batches(images, spec, "NCHW")) {
      const out = await session.run({ [io.input]: new ort.Tensor("float32", b.data, [b.n, 3, spec.size, spec.size]) });
      const l = out[io.logit].data as Float32Array;
      for (let i = 0; i < b.n; i++) logits.push(l[i]);
      if (io.subtypeLogits) {
        const s = out[io.subtypeLogits].data as Float32Array;
        const k = s.length / b.n;
        for (let i = 0; i < b.n; i++) subtypeLogits.push(Array.from(s.subarray(i * k, (i + 1) * k)));
      }
    }
  } finally {
    await session.release();
  }
  return { logits, subtypeLogits };
}

/** Runs `bytes` with native onnxruntime-node at full optimisation and compares with ort-web's logits. */
async function nativeAgreement(
  bytes: Uint8Array,
  images: readonly LoadedImage[],
  spec: PreprocessSpec,
  io: ModelCard["io"],
  webLogits: readonly number[],
) {
  const ortNode = await import("onnxruntime-node");
  const session = await ortNode.InferenceSession.create(bytes, { graphOptimizationLevel: "all", intraOpNumThreads: 1 });
  let max = 0;
  try {
    for (const b of batches(images, spec, "NCHW")) {
      const out = await session.run({
        [io.input]: new ortNode.Tensor("float32", b.data, [b.n, 3, spec.size, spec.size]),
      });
      const l = out[io.logit].data as Float32Array;
      for (let i = 0; i < b.n; i++) max = Math.max(max, Math.abs(l[i] - webLogits[b.start + i]));
    }
  } finally {
    await session.release();
  }
  return { maxAbsLogitDiff: max };
}

interface OodCheck {
  dataset: string;
  n: number;
  flagged: number;
  model?: { all?: { sensitivity: number; specificity: number } };
}

/** Card limits from fit_domain's report: how the model does on other datasets, and whether the check catches them. */
function oodLimits(ood: unknown): string[] {
  const checks = (ood as { checks?: OodCheck[] } | undefined)?.checks ?? [];
  return checks.filter((c) => c.dataset !== "taleqani").map((c) => {
    const m = c.model?.all;
    const perf = m ? `sensitivity ${m.sensitivity.toFixed(2)}, specificity ${m.specificity.toFixed(2)}` : "not scored";
    return `Out of domain: on ${c.n} ${c.dataset} images it scores ${perf}; the input-domain check flags ${c.flagged} of ${c.n}, so the service answers "review" for them. Do not use it on that kind of image.`;
  });
}

/** Card limits from evaluate_shift's report: the grid's worst cells, and the shifts beyond it that move the answer. */
function shiftLimits(shift: unknown): string[] {
  const m = (shift as { results?: { model?: Partial<ShiftReport> } } | undefined)?.results?.model;
  if (!m?.worst || !m.maxDropPts) return [];
  const w = m.worst, d = m.maxDropPts;
  const grid =
    `Stain/colour shift (test split; brightness ±10%, saturation ±30%, hue ±5%, JPEG q75/q50 and corners): ` +
    `worst sensitivity ${w.sensitivity.value.toFixed(3)} (${w.sensitivity.cell}), worst specificity ${
      w.specificity.value.toFixed(3)
    } (${w.specificity.cell}); ` +
    `largest drop ${d.sensitivity.toFixed(1)} / ${d.specificity.toFixed(1)} points.`;
  const fragile = (m.cells ?? []).filter((c) => c.kind === "beyond" && (c.sensitivity < 0.95 || c.specificity < 0.9));
  const beyond = fragile.map((c) =>
    `${c.name}: sensitivity ${c.sensitivity.toFixed(3)}, specificity ${c.specificity.toFixed(3)}` +
    (c.service
      ? ` (the input-domain check and review band send ${
        (c.service.reviewRate * 100).toFixed(0)
      }% to review; ${c.service.missedAll} ALL answered normal)`
      : "")
  );
  return [
    grid,
    ...(beyond.length > 0
      ? [
        `Shifts beyond that grid that move its answers: ${
          beyond.join("; ")
        }. Keep the camera's white balance on the slide background; recalibrate on a new lab's slides before use.`,
      ]
      : []),
  ];
}

function predictionRows(images: readonly LoadedImage[], logits: readonly number[]): PredictionRow[] {
  return images.map((im, i) => ({
    path: im.item.path,
    split: im.item.split as "val" | "test",
    label: im.item.label,
    ...(im.item.subtype ? { subtype: im.item.subtype } : {}),
    group: im.item.group,
    logit: logits[i],
  }));
}

function summary(r: EvalReport) {
  const side = (s: EvalReport["metrics"]["val"] | undefined) =>
    s && {
      n: s.n,
      positives: s.positives,
      negatives: s.negatives,
      confusion: s.confusion,
      metrics: s.metrics,
      ece: s.ece,
      review: s.review,
      perSubtype: s.perSubtype,
    };
  return {
    temperature: r.temperature,
    threshold: r.threshold,
    reviewBand: r.reviewBand,
    operatingPoint: r.operatingPoint,
    bootstrap: r.bootstrap,
    val: side(r.metrics.val),
    test: side(r.metrics.test),
  };
}

function sigmoid(x: number, t: number) {
  return 1 / (1 + Math.exp(-x / t));
}

async function main() {
  const runDir = args.run!;
  const manifest: SplitManifest = await readSplitManifest(args.manifest!);
  const manifestSha = createHash("sha256").update(await readFile(args.manifest!)).digest("hex");
  const spec = (await readJson<PreprocessSpec>(join(runDir, "preprocess.json")))!;
  const trainConfig =
    (await readJson<Record<string, unknown>>(join(runDir, "train_config.json")).catch(() => undefined)) ?? {};
  const history = (await readJson<unknown[]>(join(runDir, "history.json")).catch(() => undefined)) ?? [];

  log(`backend: ${await selectBackend(args.backend as "wasm", log)}`);
  const model = await loadLayersModel(join(runDir, args.checkpoint!));
  const exported = exportToOnnx(model, { producer: "all-screen scripts/export.ts" });
  const io = exported.io;
  log(`exported float ONNX: ${exported.bytes.length} bytes, outputs ${JSON.stringify(io)}`);

  // Images: val (threshold + parity), test (metrics + int8 agreement), train (calibration).
  const val = await loadImages(manifest, selectItems(manifest, { split: "val" }));
  const test = await loadImages(manifest, selectItems(manifest, { split: "test" }));
  const calib = await loadImages(manifest, selectItems(manifest, { split: "train", limit: Number(args.calibration) }));
  log(`images: val ${val.length}, test ${test.length}, calibration ${calib.length} (train originals)`);

  // 1. Parity: tfjs vs onnxruntime-web, float, on real val images.
  const parityImages = val.slice(0, Number(args["parity-images"]));
  const nhwc = [...batches(parityImages, spec, "NHWC")];
  const tfLogits: number[] = [];
  for (const b of nhwc) {
    const x = tf.tensor4d(b.data, [b.n, spec.size, spec.size, 3]);
    const out = model.predict(x) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(out) ? out : [out];
    const logitIdx = model.outputNames.findIndex((n) => n.startsWith("logit"));
    tfLogits.push(...(await outs[logitIdx >= 0 ? logitIdx : 0].data()));
    tf.dispose([x, ...outs]);
  }
  const floatParity = await onnxLogits(exported.bytes, parityImages, spec, io);
  const parityDiff = Math.max(...tfLogits.map((v, i) => Math.abs(v - floatParity.logits[i])));
  log(
    `parity tfjs vs onnxruntime-web (float, ${parityImages.length} real val images): max |Δlogit| = ${
      parityDiff.toExponential(2)
    }`,
  );
  if (!(parityDiff <= PARITY_TOLERANCE)) {
    throw new Error(`export parity failed: max |Δlogit| ${parityDiff} > ${PARITY_TOLERANCE}`);
  }

  // 2. Quantise with calibration on training images.
  const { bytes: int8Bytes, report: qReport } = await quantizeQdq(
    exported.bytes,
    (function* () {
      for (const b of batches(calib, spec, "NCHW")) yield b.data;
    })(),
    { method: "minmax", reduceRange: !args["full-range"] },
  );
  log(
    `int8: ${qReport.nodesQuantized} weight nodes, ${int8Bytes.length} bytes (${
      (qReport.sizeRatio * 100).toFixed(1)
    }% of float)`,
  );

  // 3. Score both models on val and test; evaluate each with its own val-fitted calibration.
  const evalImages = [...val, ...test];
  const floatOut = await onnxLogits(exported.bytes, evalImages, spec, io);
  const int8Out = await onnxLogits(int8Bytes, evalImages, spec, io);
  const target = Number(args["target-sensitivity"]);
  const floatEval = evaluatePredictions(predictionRows(evalImages, floatOut.logits), {
    targetSensitivity: target,
    source: "float onnx",
  });
  const int8Eval = evaluatePredictions(predictionRows(evalImages, int8Out.logits), {
    targetSensitivity: target,
    source: "int8 onnx",
  });
  console.log("\nfloat32 ONNX\n" + formatEvalTable(floatEval));
  console.log("\nint8 QDQ ONNX\n" + formatEvalTable(int8Eval));

  // 4. int8 vs float on the test split, at the float model's operating point.
  const testIdx = evalImages.map((im, i) => (im.item.split === "test" ? i : -1)).filter((i) => i >= 0);
  let agree = 0;
  let maxDp = 0;
  let sumDp = 0;
  for (const i of testIdx) {
    const pf = sigmoid(floatOut.logits[i], floatEval.temperature);
    const pq = sigmoid(int8Out.logits[i], floatEval.temperature);
    if ((pf >= floatEval.threshold) === (pq >= floatEval.threshold)) agree++;
    maxDp = Math.max(maxDp, Math.abs(pf - pq));
    sumDp += Math.abs(pf - pq);
  }
  const quantization = {
    method: `static int8 QDQ: per-channel symmetric int8 weights${
      args["full-range"] ? "" : " in 7-bit range (±63)"
    }, uint8 asymmetric activations (min/max), calibrated on training images`,
    calibrationImages: qReport.images,
    floatBytes: exported.bytes.length,
    int8Bytes: int8Bytes.length,
    sizeRatio: qReport.sizeRatio,
    testLabelAgreement: agree / testIdx.length,
    testMaxAbsScoreDiff: maxDp,
    testMeanAbsScoreDiff: sumDp / testIdx.length,
    parityFloatMaxAbsLogitDiff: parityDiff,
    parityImages: parityImages.length,
  };
  const native = await nativeAgreement(int8Bytes, evalImages, spec, io, int8Out.logits);
  log(
    `int8 on onnxruntime-node (native, optimisation "all") vs onnxruntime-web: max |Δlogit| ${
      native.maxAbsLogitDiff.toFixed(4)
    }`,
  );
  Object.assign(quantization, {
    reducedRangeWeights: !args["full-range"],
    nativeVsWebMaxAbsLogitDiff: native.maxAbsLogitDiff,
  });
  log(
    `int8 vs float on test: agreement ${(quantization.testLabelAgreement * 100).toFixed(2)}%, max |Δp| ${
      maxDp.toFixed(4)
    }, mean |Δp| ${quantization.testMeanAbsScoreDiff.toFixed(5)}`,
  );
  if (quantization.testLabelAgreement < MIN_AGREEMENT) {
    throw new Error(
      `int8 label agreement ${quantization.testLabelAgreement} < ${MIN_AGREEMENT}: quantisation lost too much`,
    );
  }

  // 5. Cards.
  const domain = await readJson<ModelCard["domain"]>(args.domain);
  const shift = await readJson<unknown>(args.shift);
  const baseline = await readJson<{ metrics?: { test?: { metrics?: unknown } } }>(args.baseline);
  const ood = await readJson<unknown>(args.ood);
  const subtypes = io.subtypeLogits ? manifest.subtypes : undefined;
  const common = {
    id: args.id!,
    version: args.version!,
    opset: 17,
    architecture: String(trainConfig.arch ?? "unknown") +
      (typeof trainConfig.width === "number" && trainConfig.width !== 1 ? ` (width ${trainConfig.width})` : ""),
    io,
    preprocess: spec,
    labels: ["normal", "all"] as ["normal", "all"],
    positiveLabel: "all" as const,
    ...(subtypes ? { subtypes } : {}),
    data: {
      datasets: [manifest.dataset],
      manifestSha256: manifestSha,
      split: manifest.split,
      counts: manifest.counts,
      note:
        "Split by contiguous file-number blocks per class (no patient ids): results on this dataset are optimistic.",
    },
    training: { config: trainConfig, epochs: history.length },
    intendedUse:
      "A screening aid for acute lymphoblastic leukemia on peripheral blood smear images: it flags cells or fields for a qualified person, who verifies every call. Not a diagnosis.",
    limits: [
      "Trained on one lab's smears (Taleqani Hospital, Tehran; Zeiss camera, 100x, 224x224 fields): other optics, framings or stains than its shift results cover are outside its domain.",
      "The negative class is benign hematogones, not healthy mature lymphocytes.",
      "No patient ids in the data: the split is by file-number blocks, so reported metrics are optimistic.",
      ...oodLimits(ood),
      ...shiftLimits(shift),
    ],
  };
  const cards: [string, Uint8Array, EvalReport, "float32" | "int8-qdq"][] = [
    [`${args.name}.float`, exported.bytes, floatEval, "float32"],
    [`${args.name}.int8`, int8Bytes, int8Eval, "int8-qdq"],
  ];
  for (const [name, bytes, ev, precision] of cards) {
    const card = buildModelCard({
      ...common,
      file: `${name}.onnx`,
      precision,
      temperature: ev.temperature,
      threshold: ev.threshold,
      reviewBand: ev.reviewBand,
      ...(domain ? { domain } : {}),
      metrics: {
        evaluation: summary(ev),
        quantization,
        ...(baseline?.metrics?.test ? { colourBaselineTest: baseline.metrics.test.metrics } : {}),
        ...(shift ? { shift } : {}),
        ...(ood ? { outOfDomain: ood } : {}),
      },
    }, bytes);
    const paths = await writeModelFiles(args.out!, name, bytes, card);
    log(`wrote ${paths.onnx} and ${paths.card}`);
  }
  await writeFile(
    join(runDir, "export_report.json"),
    JSON.stringify({ quantization, float: floatEval, int8: int8Eval }, null, 1),
  );
}

main().catch((err) => {
  console.error(`export failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
