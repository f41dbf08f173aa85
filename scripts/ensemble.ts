/**
 * The ensemble step, in place of train + export: several trained runs (same preprocessing and input
 * size) → one run folder whose float ONNX model runs every member on the same input and answers
 * their mean (`scripts/lib/onnx/ensemble.ts`). Writes what train and export would have written, so
 * the later steps (evaluate → quantize → domain → suite → card) run on it unchanged:
 * `model.float.onnx`, `onnx_export.json` (parity: the merged graph against the mean of the members'
 * ONNX logits), `predictions.json` (the members' mean logits and subtype logits on val and test),
 * `preprocess.json`, `train_config.json` (member 0's, with the member list) and `history.json`
 * (member 0's).
 *
 *   deno task ensemble --members runs/np/grey,runs/np/grey_s2 --manifest runs/np/manifest.json --out runs/np/grey_x2
 *
 * Fails (exit 1, nothing written) when the members differ in preprocessing, dataset, predictions
 * or graph outputs, or when the merged graph disagrees with the members' mean by more than 1e-4.
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cliArgs, numberFlag, StepError, stepFailed } from "./lib/run/cli.ts";
import type { OnnxExport } from "./lib/run/run_folder.ts";

/** Largest |Δlogit| allowed between the merged graph and the mean of its members. */
const PARITY_TOLERANCE = 1e-4;

const USAGE = `Usage: deno task ensemble --members <run,run,…> --manifest <split manifest> --out <run folder>
  (node --import tsx scripts/ensemble.ts …)
  --members A,B,…     trained and exported runs (each with model.float.onnx, predictions.json,
                      preprocess.json): at least two, same preprocessing and input size
  --manifest FILE     their split manifest: the first val images check parity
  --out DIR           the ensemble's run folder
  --parity-images N   val images for the merged-vs-members check (32)
Then, on --out: deno task evaluate, quantize, domain, suite and card as for a trained run (docs/TRAINING.md).`;

const args = cliArgs({
  name: "ensemble.ts",
  usage: USAGE,
  example:
    "deno task ensemble --members runs/np/grey,runs/np/grey_s2 --manifest runs/np/manifest.json --out runs/np/grey_x2",
  options: {
    members: { type: "string" },
    manifest: { type: "string" },
    out: { type: "string" },
    "parity-images": { type: "string", default: "32" },
  },
  required: ["members", "manifest", "out"],
}, (v) => ({
  members: v.members!.split(",").map((s) => s.trim()).filter(Boolean),
  manifest: v.manifest!,
  out: v.out!,
  parityImages: numberFlag(v["parity-images"], "parity-images", { integer: true, min: 1 }),
}));

const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { ensembleModels } = await import("./lib/onnx/ensemble.ts");
const { meanPredictions } = await import("./lib/run/ensemble_predictions.ts");
const { onnxLogits } = await import("./lib/run/onnx_scoring.ts");
const { readRunJson, runPath } = await import("./lib/run/run_folder.ts");
const { loadImages, selectItems } = await import("./lib/shift/load.ts");

const log = (msg: string) => console.error(msg);

async function main(): Promise<void> {
  const { members, out } = args;
  if (members.length < 2) throw new StepError(`--members needs at least two runs, got ${members.length}`);
  const specs = await Promise.all(members.map((r) => readRunJson(r, "preprocess")));
  specs.forEach((s, k) => {
    if (JSON.stringify(s) !== JSON.stringify(specs[0])) {
      throw new StepError(
        `${members[k]}'s preprocessing differs from ${members[0]}'s: an ensemble's members read one input; ` +
          `train them with the same --size, --color, --white-balance and --min-std`,
      );
    }
  });
  const configs = await Promise.all(members.map((r) => readRunJson(r, "trainConfig")));
  configs.forEach((c, k) => {
    if (c.dataset !== configs[0].dataset) {
      throw new StepError(`${members[k]} was trained on ${c.dataset}, ${members[0]} on ${configs[0].dataset}`);
    }
  });
  const exports = await Promise.all(members.map((r) => readRunJson(r, "onnxExport")));
  const floats = await Promise.all(members.map(async (r) => new Uint8Array(await readFile(runPath(r, "floatModel")))));
  const merged = ensembleModels(floats);
  const predictions = meanPredictions(await Promise.all(members.map((r) => readRunJson(r, "predictions"))));

  const manifest = await readSplitManifest(args.manifest);
  const images = await loadImages(manifest, selectItems(manifest, { split: "val" }).slice(0, args.parityImages));
  const io = exports[0].io;
  const mine = (await onnxLogits(merged, images, specs[0], io)).logits;
  const each = await Promise.all(
    floats.map(async (f, k) => (await onnxLogits(f, images, specs[0], exports[k].io)).logits),
  );
  const parityDiff = Math.max(...mine.map((v, i) => Math.abs(v - each.reduce((s, l) => s + l[i], 0) / each.length)));
  log(
    `parity merged vs the members' mean (float, ${images.length} val images): max |Δlogit| = ${
      parityDiff.toExponential(2)
    }`,
  );
  if (!(parityDiff <= PARITY_TOLERANCE)) {
    throw new StepError(
      `ensemble parity failed: max |Δlogit| ${parityDiff} > ${PARITY_TOLERANCE}: nothing was written`,
    );
  }

  const report: OnnxExport = {
    kind: "onnx-export",
    created: new Date().toISOString(),
    checkpoint: `ensemble of ${members.join(", ")}`,
    opset: exports[0].opset,
    io: { ...io, camGrid: io.camGrid },
    floatBytes: merged.length,
    parity: { images: images.length, maxAbsLogitDiff: parityDiff, tolerance: PARITY_TOLERANCE },
  };
  await mkdir(out, { recursive: true });
  const json = (v: unknown) => JSON.stringify(v, null, 1) + "\n";
  await writeFile(runPath(out, "preprocess"), json(specs[0]));
  await writeFile(runPath(out, "trainConfig"), json({ ...configs[0], out, ensemble: members }));
  await writeFile(runPath(out, "history"), json(await readRunJson(members[0], "history")));
  await writeFile(runPath(out, "predictions"), json(predictions));
  await writeFile(runPath(out, "floatModel"), merged);
  await writeFile(runPath(out, "onnxExport"), json(report));
  log(`wrote ${out}: ${members.length} members, ${merged.length} bytes; next: deno task evaluate on it`);
}

main().catch(stepFailed("ensemble"));
