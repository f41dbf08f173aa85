/**
 * The export step: a trained run's checkpoint (tfjs) → float32 ONNX (opset 17, NCHW, with the
 * class-activation-map output), checked against tfjs on real validation images with
 * onnxruntime-web, the service's runtime. Writes `<run>/model.float.onnx` and
 * `<run>/onnx_export.json`; `deno task quantize` comes next, `deno task card` writes the models
 * beside their cards.
 *
 *   deno task export --run runs/cand/w75 --manifest runs/taleqani/manifest.json
 *
 * Fails (exit 1, nothing written) when tfjs and onnxruntime-web disagree by more than 1e-4.
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cliArgs, numberFlag, StepError, stepFailed, UsageError } from "./lib/run/cli.ts";
import type { OnnxExport } from "./lib/run/run_folder.ts";
import type { BackendName } from "./lib/tfjs/backend.ts";
import type { Tensor } from "@tensorflow/tfjs";

/** Largest |Δlogit| allowed between tfjs and the exported ONNX model. */
const PARITY_TOLERANCE = 1e-4;

/** ONNX opset of the exported graph. */
const OPSET = 17;

/** The ONNX model's `producer_name` (part of its bytes, hence of the card's hash). */
const PRODUCER = "all-screen scripts/export.ts";

const USAGE = `Usage: deno task export --run <run folder> --manifest <split manifest> [options]
  (node --import tsx scripts/export.ts …)
  --run DIR             the training run (train.ts --out): reads best/ and preprocess.json
  --manifest FILE       its split manifest: the first val images (a refit's: train originals) check parity
  --checkpoint best|last  which checkpoint to export (best)
  --parity-images N     val images for the tfjs-vs-ONNX check (32)
  --backend NAME        tfjs backend for the check: auto|tfjs-node-gpu|tfjs-node|webgpu|wasm|cpu (wasm)
Writes <run>/model.float.onnx and <run>/onnx_export.json. Next: deno task quantize, then deno task card,
which writes the models with their cards (--name sets the file names and the id; the input-domain check
is fitted there unless the domain step wrote one or --no-domain is passed).`;

const MOVED_TO_CARD =
  "the card step (deno task card --run <run> --manifest <manifest> --name <name> --out model), which also sets the id from --name";
const MOVED_TO_QUANTIZE = "the quantize step (deno task quantize)";

const args = cliArgs({
  name: "export.ts",
  usage: USAGE,
  example: "deno task export --run runs/np/wbzoom --manifest runs/np/manifest.json",
  options: {
    run: { type: "string" },
    manifest: { type: "string" },
    checkpoint: { type: "string", default: "best" },
    "parity-images": { type: "string", default: "32" },
    backend: { type: "string", default: "wasm" },
  },
  required: ["run", "manifest"],
  moved: {
    out: MOVED_TO_CARD,
    name: MOVED_TO_CARD,
    domain: MOVED_TO_CARD,
    "no-domain": MOVED_TO_CARD,
    shift: MOVED_TO_CARD,
    baseline: MOVED_TO_CARD,
    ood: MOVED_TO_CARD,
    id: MOVED_TO_QUANTIZE,
    version: MOVED_TO_QUANTIZE,
    calibration: MOVED_TO_QUANTIZE,
    "full-range": MOVED_TO_QUANTIZE,
    "target-sensitivity": MOVED_TO_QUANTIZE,
  },
}, (v) => {
  if (v.checkpoint !== "best" && v.checkpoint !== "last") {
    throw new UsageError(`--checkpoint must be best or last, got "${v.checkpoint}"`);
  }
  return {
    run: v.run!,
    manifest: v.manifest!,
    checkpoint: v.checkpoint as "best" | "last",
    parityImages: numberFlag(v["parity-images"], "parity-images", { integer: true, min: 1 }),
    backend: v.backend as BackendName,
  };
});

// heavy modules (tfjs, onnxruntime) only once the command line is good: --help answers at once
const tf = await import("@tensorflow/tfjs");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { exportToOnnx } = await import("./lib/onnx/export.ts");
const { batches, onnxLogits } = await import("./lib/run/onnx_scoring.ts");
const { readRunJson, runPath } = await import("./lib/run/run_folder.ts");
const { loadImages, parityItems } = await import("./lib/shift/load.ts");
const { BACKEND_NAMES, selectBackend } = await import("./lib/tfjs/backend.ts");
const { loadLayersModel } = await import("./lib/tfjs/file_io.ts");

if (!BACKEND_NAMES.includes(args.backend)) {
  process.stderr.write(
    `export.ts: --backend must be one of ${BACKEND_NAMES.join(", ")}, got "${args.backend}" (see --help)\n`,
  );
  process.exit(2);
}

const log = (msg: string) => console.error(msg);

async function main(): Promise<void> {
  const run = args.run;
  const spec = await readRunJson(run, "preprocess");
  const manifest = await readSplitManifest(args.manifest);

  log(`backend: ${await selectBackend(args.backend, log)}`);
  const model = await loadLayersModel(runPath(run, args.checkpoint));
  const exported = exportToOnnx(model, { producer: PRODUCER, opset: OPSET });
  const io = exported.io;
  log(`exported float ONNX: ${exported.bytes.length} bytes, outputs ${JSON.stringify(io)}`);

  // Parity: tfjs vs onnxruntime-web, float, on the first real val images (a refit's: train originals).
  const parity = parityItems(manifest, args.parityImages);
  const images = await loadImages(manifest, parity);
  const tfLogits: number[] = [];
  const logitIdx = model.outputNames.findIndex((n) => n.startsWith("logit"));
  for (const b of batches(images, spec, "NHWC")) {
    const x = tf.tensor4d(b.data, [b.n, spec.size, spec.size, 3]);
    const out = model.predict(x) as Tensor | Tensor[];
    const outs = Array.isArray(out) ? out : [out];
    tfLogits.push(...(await outs[logitIdx >= 0 ? logitIdx : 0].data()));
    tf.dispose([x, ...outs]);
  }
  const onnx = await onnxLogits(exported.bytes, images, spec, io);
  const parityDiff = Math.max(...tfLogits.map((v, i) => Math.abs(v - onnx.logits[i])));
  log(
    `parity tfjs vs onnxruntime-web (float, ${images.length} real ${parity[0].split} images): max |Δlogit| = ${
      parityDiff.toExponential(2)
    }`,
  );
  if (!(parityDiff <= PARITY_TOLERANCE)) {
    throw new StepError(
      `export parity failed: max |Δlogit| ${parityDiff} > ${PARITY_TOLERANCE}; the ONNX graph differs from the ` +
        `tfjs model (a layer the exporter converts wrongly): nothing was written`,
    );
  }

  const report: OnnxExport = {
    kind: "onnx-export",
    created: new Date().toISOString(),
    checkpoint: args.checkpoint,
    opset: OPSET,
    io,
    floatBytes: exported.bytes.length,
    parity: { images: images.length, maxAbsLogitDiff: parityDiff, tolerance: PARITY_TOLERANCE },
  };
  await mkdir(run, { recursive: true });
  await writeFile(runPath(run, "floatModel"), exported.bytes);
  await writeFile(runPath(run, "onnxExport"), JSON.stringify(report, null, 1) + "\n");
  log(`wrote ${runPath(run, "floatModel")} and ${runPath(run, "onnxExport")}`);
  model.dispose();
}

main().catch(stepFailed("export"));
