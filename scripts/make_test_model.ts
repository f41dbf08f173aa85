/**
 * Writes the test fixtures under tests/fixtures/models/ (run: `deno task fixtures:models`):
 *
 * - `tiny.float.onnx` / `tiny.float.json`: a seeded 32×32 model (two conv blocks, "gap", "logit" and a
 *   4-class "subtype_logits" head, with a CAM output) and its model card;
 * - `tiny.int8.onnx` / `tiny.int8.json`: the same model, static int8 QDQ, calibrated on the real images below;
 * - `cnmc_real.<S>.f32` (+ `cnmc_real.json`): a few real C-NMC cells from /work/shared/data/cnmc_subset,
 *   decoded and preprocessed by functions/lib/preprocess (the service's code: area resize to S×S, per-image
 *   normalisation), as raw little-endian float32 NCHW `[n,3,S,S]`.
 *   Only this script reads the data set; tests read these files.
 *
 * Everything is deterministic except the cards' `created` date (fixed here too) so re-running gives
 * identical bytes.
 *
 * @module
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cliArgs } from "./lib/run/cli.ts";
import type { ModelCard, ModelCardFields, PreprocessSpec } from "../model/core/mod.ts";

cliArgs({
  name: "make_test_model.ts",
  usage: `Usage: deno task fixtures:models
  (node --import tsx scripts/make_test_model.ts)
Rewrites tests/fixtures/models/: tiny.{float,int8}.{onnx,json} (a seeded 32×32 model and its int8 copy)
and cnmc_real.{32,33}.f32 + cnmc_real.json (real C-NMC cells from /work/shared/data/cnmc_subset,
preprocessed). No options. Deterministic: the same code writes the same bytes.`,
  example: "deno task fixtures:models && git diff --stat tests/fixtures/models",
  options: {},
});

const tf = await import("@tensorflow/tfjs");
const { buildModelCard, decodePng, preprocess } = await import("../model/core/mod.ts");
const { exportToOnnx } = await import("./lib/onnx/export.ts");
const { writeModelFiles } = await import("./lib/onnx/card.ts");
const { tinyCamModel } = await import("./lib/onnx/test_models.ts");
const { quantizeQdq } = await import("./lib/onnx/quantize.ts");
const { seededRandom } = await import("./lib/onnx/seeded.ts");

const OUT = "tests/fixtures/models";
const DATA = "/work/shared/data/cnmc_subset/fold_0";
const SIZES = [32, 33];
const CREATED = "2025-01-01T00:00:00.000Z";
/** The fixture model's preprocessing (also used, at each of SIZES, for the real-image tensors). */
const PREPROCESS: PreprocessSpec = {
  size: 32,
  crop: "none",
  resize: "area",
  normalization: { mode: "per-image", minStd: 0.02 },
  channelOrder: "RGB",
  alphaBackground: 0,
};

async function realImages(): Promise<{ files: string[]; tensors: Map<number, Float32Array> }> {
  const files: string[] = [];
  for (const cls of ["all", "hem"]) {
    const names = (await readdir(join(DATA, cls))).filter((f) => f.endsWith(".png")).sort().slice(0, 3);
    files.push(...names.map((f) => join(cls, f)));
  }
  const decoded = await Promise.all(files.map(async (f) => decodePng(new Uint8Array(await readFile(join(DATA, f))))));
  const tensors = new Map<number, Float32Array>();
  for (const s of SIZES) {
    const batch = new Float32Array(files.length * 3 * s * s);
    decoded.forEach((img, i) => batch.set(preprocess(img, { ...PREPROCESS, size: s }, "NCHW"), i * 3 * s * s));
    tensors.set(s, batch);
  }
  return { files, tensors };
}

function cardFields(file: string, precision: ModelCard["precision"], io: ModelCard["io"]): ModelCardFields {
  return {
    id: "tiny-test",
    version: "0.0.0",
    created: CREATED,
    file,
    precision,
    opset: 17,
    architecture:
      "tiny-cam: 2×(conv3x3+BN+ReLU+maxpool) 8/16 filters → gap → logit + 4-class subtype head (seeded random weights)",
    io,
    preprocess: PREPROCESS,
    labels: ["normal", "all"],
    positiveLabel: "all",
    subtypes: ["Benign", "Early", "Pre", "Pro"],
    temperature: 1,
    threshold: 0.5,
    reviewBand: [0.4, 0.6],
    intendedUse: "test fixture only",
    limits: ["random weights: its outputs mean nothing"],
  };
}

async function main(): Promise<void> {
  await tf.setBackend("cpu");
  await mkdir(OUT, { recursive: true });
  const { files, tensors } = await realImages();
  for (const [s, t] of tensors) await writeFile(join(OUT, `cnmc_real.${s}.f32`), new Uint8Array(t.buffer));
  await writeFile(
    join(OUT, "cnmc_real.json"),
    JSON.stringify(
      {
        description:
          "raw float32 little-endian NCHW [n,3,S,S]; functions/lib/preprocess: crop none, area resize, per-image normalisation (minStd 0.02)",
        source: "cnmc_subset/fold_0",
        files,
        labels: files.map((f) => f.startsWith("all/") ? "all" : "normal"),
        sizes: SIZES,
      },
      null,
      2,
    ) + "\n",
  );

  const model = tinyCamModel({ size: 32, seed: 1 });
  const { bytes, io } = exportToOnnx(model);
  const card = await buildModelCard(cardFields("tiny.float.onnx", "float32", io), bytes);
  await writeModelFiles(OUT, "tiny.float", bytes, card);

  // Calibration: the real images plus a few seeded synthetic ones (normalised-looking noise).
  const real = tensors.get(32)!;
  const rand = seededRandom(11);
  const synth = Float32Array.from({ length: 4 * 3 * 32 * 32 }, () => (rand() + rand() + rand() - 1.5) * 2);
  const q = await quantizeQdq(bytes, [real, synth]);
  const qCard = await buildModelCard(cardFields("tiny.int8.onnx", "int8-qdq", io), q.bytes);
  await writeModelFiles(OUT, "tiny.int8", q.bytes, qCard);
  console.log(
    `tiny.float.onnx ${bytes.length} B, tiny.int8.onnx ${q.bytes.length} B, ${q.report.nodesQuantized} nodes quantised`,
  );
}

await main();
