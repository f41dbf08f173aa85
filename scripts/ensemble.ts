/**
 * The ensemble step, in place of train + export: several trained runs → one run folder whose float
 * ONNX model runs every member on the same input and answers the weighted mean of their calibrated
 * logits (each member's logit divided by its own validation temperature, `eval.json`), subtype
 * logits and CAMs, or with `--combine max` the largest calibrated logit with that member's subtype
 * logits and CAM (`scripts/lib/onnx/ensemble.ts`). Members with the same preprocessing read the
 * input as is; members trained on different colour modes (e.g. grey and relative chroma, same size
 * and white balance) read the white-balanced RGB image through in-graph front ends
 * (`scripts/lib/onnx/front_end.ts`), and the ensemble's card says so. Writes what train and export would have written, so
 * the later steps (evaluate → quantize → domain → suite → card) run on it unchanged:
 * `model.float.onnx`, `onnx_export.json` (parity: the merged graph against the weighted sum of the
 * members' own ONNX logits, each on its own preprocessing), `predictions.json` (the same sum of the
 * members' logits and subtype logits on val and test),
 * `preprocess.json`, `train_config.json` (member 0's, with the member list) and `history.json`
 * (member 0's).
 *
 *   deno task ensemble --members runs/np/grey,runs/np/grey_s2 --manifest runs/np/manifest.json --out runs/np/grey_x2
 *
 * Fails (exit 1, nothing written) when the members cannot share an input, differ in dataset,
 * predictions or graph outputs, or when the merged graph disagrees with its members by more than 1e-4.
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cliArgs, numberFlag, StepError, stepFailed, UsageError } from "./lib/run/cli.ts";
import type { OnnxExport } from "./lib/run/run_folder.ts";

/** Largest |Δlogit| allowed between the merged graph and its members (same preprocessing). */
const PARITY_TOLERANCE = 1e-4;
/** The same with in-graph front ends: their float32 preprocessing against the service's float64 (logits in calibrated units). */
const FRONT_END_PARITY_TOLERANCE = 1e-3;

const USAGE = `Usage: deno task ensemble --members <run,run,…> --manifest <split manifest> --out <run folder>
  (node --import tsx scripts/ensemble.ts …)
  --members A,B,…     trained, exported and evaluated runs (each with model.float.onnx,
                      predictions.json, preprocess.json, eval.json): at least two, same input size,
                      crop, resize and white balance; colour modes may differ
  --weights W,W,…     relative weight of each member's calibrated logit (default: equal)
  --combine mean|max  mean (default): the weighted mean of the calibrated logits; max: the largest
                      decides, with that member's subtypes and CAM (no --weights)
  --point FILE        divide each member's logit by the member temperatures of this point (a
                      deno task folds --out report: fitted on the recipe's out-of-fold scores)
                      instead of each member's own eval.json; then evaluate and quantize --point FILE
  --manifest FILE     their split manifest: the first val images (a refit's: train originals) check parity
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
    weights: { type: "string" },
    combine: { type: "string", default: "mean" },
    point: { type: "string" },
  },
  required: ["members", "manifest", "out"],
}, (v) => ({
  members: v.members!.split(",").map((s) => s.trim()).filter(Boolean),
  weights: v.weights?.split(",").map((w) => numberFlag(w.trim(), "weights", { min: 0 })),
  combine: ((c) => {
    if (c !== "mean" && c !== "max") throw new UsageError(`--combine must be mean or max, got "${c}"`);
    if (c === "max" && v.weights) {
      throw new UsageError("--combine max takes no --weights: the largest calibrated logit decides");
    }
    return c as "mean" | "max";
  })(v.combine),
  manifest: v.manifest!,
  out: v.out!,
  point: v.point,
  parityImages: numberFlag(v["parity-images"], "parity-images", { integer: true, min: 1 }),
}));

const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { ensembleModels } = await import("./lib/onnx/ensemble.ts");
const { frontEndProblem, sharedInput } = await import("./lib/onnx/front_end.ts");
const { camGrid } = await import("./lib/onnx/cam_grid.ts");
const { decodeModel } = await import("./lib/onnx/proto.ts");
const { combinePredictions, ensembleCoefficients } = await import("./lib/run/ensemble_predictions.ts");
const { onnxLogits } = await import("./lib/run/onnx_scoring.ts");
const { readRunJson, runPath } = await import("./lib/run/run_folder.ts");
const { loadImages, parityItems } = await import("./lib/shift/load.ts");
const { readPointFile } = await import("./lib/run/fixed_point.ts");

const log = (msg: string) => console.error(msg);

async function main(): Promise<void> {
  const { members, out } = args;
  if (members.length < 2) throw new StepError(`--members needs at least two runs, got ${members.length}`);
  const weights = args.weights ?? members.map(() => 1);
  if (weights.length !== members.length || !(weights.reduce((a, b) => a + b, 0) > 0)) {
    throw new StepError(`--weights needs one weight per member (${members.length}), not all zero`);
  }
  const specs = await Promise.all(members.map((r) => readRunJson(r, "preprocess")));
  // one input for all: as is when the members share it, else white-balanced RGB through front ends
  const { spec: shared, frontEnds } = sharedInput(specs);
  if (frontEnds) {
    specs.forEach((s, k) => {
      const problem = frontEndProblem(s, shared);
      if (problem) {
        throw new StepError(`${members[k]} cannot read ${members[0]}'s input through a front end: ${problem}`);
      }
    });
  }
  const point = args.point ? await readPointFile(args.point) : undefined;
  if (point && point.memberTemperatures.length !== members.length) {
    throw new StepError(
      `${args.point} was fitted for ${point.memberTemperatures.length} members, --members names ${members.length}`,
    );
  }
  const temperatures = point?.memberTemperatures ??
    await Promise.all(members.map(async (r) => (await readRunJson(r, "eval")).temperature));
  const coefficients = args.combine === "max"
    ? temperatures.map((t) => 1 / t)
    : ensembleCoefficients(weights, temperatures);
  log(
    `members ${members.join(", ")}: temperatures ${temperatures.map((t) => t.toFixed(3)).join(", ")}, ` +
      `coefficients ${coefficients.map((c) => c.toFixed(4)).join(", ")}${frontEnds ? "; in-graph front ends" : ""}`,
  );
  const configs = await Promise.all(members.map((r) => readRunJson(r, "trainConfig")));
  configs.forEach((c, k) => {
    if (c.dataset !== configs[0].dataset) {
      throw new StepError(`${members[k]} was trained on ${c.dataset}, ${members[0]} on ${configs[0].dataset}`);
    }
  });
  const exports = await Promise.all(members.map((r) => readRunJson(r, "onnxExport")));
  const floats = await Promise.all(members.map(async (r) => new Uint8Array(await readFile(runPath(r, "floatModel")))));
  // where the CAM's cells lie on the input: the same for every member, or the heatmap would mix them
  const grids = floats.map((f, k) => camGrid(decodeModel(f), exports[k].io.cam ?? "cam"));
  const grid = grids[0];
  grids.forEach((g, k) => {
    if (JSON.stringify(g) !== JSON.stringify(grid)) {
      throw new StepError(
        `${members[k]}'s CAM grid ${JSON.stringify(g)} differs from ${members[0]}'s ${JSON.stringify(grid)}`,
      );
    }
  });
  const merged = ensembleModels(
    floats.map((bytes, k) => ({ bytes, weight: coefficients[k], ...(frontEnds ? { front: specs[k] } : {}) })),
    { combine: args.combine },
  );
  const predictions = combinePredictions(
    await Promise.all(members.map((r) => readRunJson(r, "predictions"))),
    coefficients,
    args.combine,
  );

  const manifest = await readSplitManifest(args.manifest);
  const parity = parityItems(manifest, args.parityImages); // val, or a refit's train originals
  const images = await loadImages(manifest, parity);
  const io = exports[0].io;
  const mine = (await onnxLogits(merged, images, shared, io)).logits;
  const each = await Promise.all(
    floats.map(async (f, k) => (await onnxLogits(f, images, specs[k], exports[k].io)).logits),
  );
  const parityDiff = Math.max(
    ...mine.map((v, i) =>
      Math.abs(
        v - (args.combine === "max"
          ? Math.max(...each.map((l, k) => coefficients[k] * l[i]))
          : each.reduce((s, l, k) => s + coefficients[k] * l[i], 0)),
      )
    ),
  );
  log(
    `parity merged vs its members, each on its own preprocessing (float, ${images.length} ${
      parity[0].split
    } images): ` +
      `max |Δlogit| = ${parityDiff.toExponential(2)}`,
  );
  const tolerance = frontEnds ? FRONT_END_PARITY_TOLERANCE : PARITY_TOLERANCE;
  if (!(parityDiff <= tolerance)) {
    throw new StepError(
      `ensemble parity failed: max |Δlogit| ${parityDiff} > ${tolerance}: nothing was written`,
    );
  }

  const report: OnnxExport = {
    kind: "onnx-export",
    created: new Date().toISOString(),
    checkpoint: `ensemble of ${members.join(", ")}`,
    opset: exports[0].opset,
    io: { ...io, camGrid: grid },
    floatBytes: merged.length,
    parity: { images: images.length, maxAbsLogitDiff: parityDiff, tolerance },
  };
  await mkdir(out, { recursive: true });
  const json = (v: unknown) => JSON.stringify(v, null, 1) + "\n";
  await writeFile(runPath(out, "preprocess"), json(shared));
  const total = weights.reduce((a, b) => a + b, 0);
  const ensemble = members.map((run, k) => ({
    run,
    weight: weights[k] / total,
    temperature: temperatures[k],
    colorMode: specs[k].colorMode ?? "rgb",
  }));
  await writeFile(
    runPath(out, "trainConfig"),
    json({
      ...configs[0],
      out,
      spec: shared,
      ensemble,
      ...(args.combine === "max" ? { combine: "max" } : {}),
      ...(point ? { memberTemperaturesFrom: point.chosenOn } : {}),
    }),
  );
  await writeFile(runPath(out, "history"), json(await readRunJson(members[0], "history")));
  await writeFile(runPath(out, "predictions"), json(predictions));
  await writeFile(runPath(out, "floatModel"), merged);
  await writeFile(runPath(out, "onnxExport"), json(report));
  log(`wrote ${out}: ${members.length} members, ${merged.length} bytes; next: deno task evaluate on it`);
}

main().catch(stepFailed("ensemble"));
