/**
 * A served ensemble's networks with the member temperatures of an operating point fitted on its
 * recipe's out-of-fold scores (`deno task folds --out`): a new run folder holding the same graph,
 * each member's logit, subtype logits and CAM now weighted by w_k / T_k with T_k from the point,
 * and what the later steps read (preprocessing, export report with a parity check, train config
 * and epochs from the card, val and test predictions scored by the new graph). Then `evaluate`
 * and `quantize --point FILE`, `domain`, `suite` and `card` run on it as on a trained run.
 *
 *   deno task repoint --model model/all-v6.float.onnx --point runs/fold/v6-folds.json \
 *     --manifest runs/np/manifest.json --out runs/np/all-v6-cv
 *
 * Needed where the members' run folders are gone (`deno task ensemble --point` builds the same
 * from the runs). Fails (exit 1, nothing written) when the model is no mean ensemble of as many
 * members as the point, or the new graph disagrees with its members by more than 1e-4.
 *
 * @module
 */
import { cliArgs, StepError, stepFailed } from "./lib/run/cli.ts";

/** Largest |Δlogit| between the new graph and the members' logits weighted by hand. */
const PARITY_TOLERANCE = 1e-4;

const USAGE = `Usage: deno task repoint --model X.float.onnx --point FILE --manifest FILE --out DIR
  (node --import tsx scripts/repoint.ts …)
  --model FILE     a served mean ensemble's float model, its card beside it (X.float.json)
  --point FILE     a deno task folds --out report of the model's recipe (its fitted member
                   temperatures, temperature, threshold and band)
  --manifest FILE  the split manifest the model was trained on: val and test are scored
  --out DIR        the new run folder
Then: deno task evaluate --point FILE, quantize --point FILE, domain, suite, card (docs/TRAINING.md).`;

const args = cliArgs({
  name: "repoint.ts",
  usage: USAGE,
  example:
    "deno task repoint --model model/all-v6.float.onnx --point runs/fold/v6-folds.json --manifest runs/np/manifest.json --out runs/np/all-v6-cv",
  options: {
    model: { type: "string" },
    point: { type: "string" },
    manifest: { type: "string" },
    out: { type: "string" },
  },
  required: ["model", "point", "manifest", "out"],
}, (v) => ({ model: v.model!, point: v.point!, manifest: v.manifest!, out: v.out! }));

const { mkdir, readFile, writeFile } = await import("node:fs/promises");
const { existsSync } = await import("node:fs");
const { parseModelCard } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { reweighEnsemble } = await import("./lib/onnx/ensemble.ts");
const { decodeModel, encodeModel } = await import("./lib/onnx/proto.ts");
const { readPointFile } = await import("./lib/run/fixed_point.ts");
const { ensembleCoefficients } = await import("./lib/run/ensemble_predictions.ts");
const { onnxLogits, predictionRows } = await import("./lib/run/onnx_scoring.ts");
const { runPath } = await import("./lib/run/run_folder.ts");
const { loadImages, selectItems } = await import("./lib/shift/load.ts");

const log = (msg: string) => console.error(msg);

/** The graph with each member's raw logit (`m<k>/logit`) as an extra output. */
function exposeMemberLogits(bytes: Uint8Array, members: number, logit: string): Uint8Array {
  const model = decodeModel(bytes);
  const out = model.graph.output.find((o) => o.name === logit);
  if (!out) throw new StepError(`${args.model} has no "${logit}" output`);
  const produced = new Set(model.graph.node.flatMap((n) => n.output ?? []));
  for (let k = 0; k < members; k++) {
    const name = `m${k}/${logit}`;
    if (!produced.has(name)) throw new StepError(`${args.model} has no member output ${name}: is it an ensemble?`);
    model.graph.output.push({ ...structuredClone(out), name });
  }
  return encodeModel(model);
}

async function main(): Promise<void> {
  const cardPath = args.model.replace(/\.onnx$/, ".json");
  if (!existsSync(cardPath)) throw new StepError(`${cardPath} is missing: the model's card must lie beside it`);
  const card = parseModelCard(JSON.parse(await readFile(cardPath, "utf8")));
  const training = (card as { training?: { config?: unknown; epochs?: number } }).training;
  const config = training?.config as
    | { ensemble?: { run: string; weight: number; temperature: number }[]; combine?: string }
    | undefined;
  const members = config?.ensemble;
  if (!members || members.length < 2 || config?.combine === "max") {
    throw new StepError(
      `${args.model} is not a mean ensemble (its card's training.config.ensemble); nothing to repoint`,
    );
  }
  const point = await readPointFile(args.point);
  if (point.memberTemperatures.length !== members.length) {
    throw new StepError(
      `${args.point} was fitted for ${point.memberTemperatures.length} members, ${args.model} has ${members.length}`,
    );
  }
  // the graph's coefficient of member k: its weight's share over its temperature, now the point's
  const coefficients = ensembleCoefficients(members.map((m) => m.weight), point.memberTemperatures);
  log(
    `members ${members.map((m) => m.run).join(", ")}: temperatures ${
      members.map((m) => m.temperature.toFixed(3)).join(", ")
    } → ${point.memberTemperatures.map((t) => t.toFixed(3)).join(", ")} (${point.chosenOn})`,
  );
  const bytes = new Uint8Array(await readFile(args.model));
  const repointed = reweighEnsemble(bytes, coefficients);

  const manifest = await readSplitManifest(args.manifest);
  const spec = card.preprocess;
  const images = await loadImages(manifest, [
    ...selectItems(manifest, { split: "val" }),
    ...selectItems(manifest, { split: "test" }),
  ]);
  const scored = await onnxLogits(repointed, images, spec, card.io);
  // parity: the new graph against the members' own logits, weighted by hand (first 32 val images)
  const parityIdx = images.map((im, i) => (im.item.split === "val" ? i : -1)).filter((i) => i >= 0).slice(0, 32);
  const parityImages = parityIdx.map((i) => images[i]);
  const exposed = exposeMemberLogits(bytes, members.length, card.io.logit);
  const memberLogits = await Promise.all(
    members.map((_, k) => onnxLogits(exposed, parityImages, spec, { ...card.io, logit: `m${k}/${card.io.logit}` })),
  );
  const parity = Math.max(
    ...parityIdx.map((at, i) =>
      Math.abs(scored.logits[at] - memberLogits.reduce((s, m, k) => s + coefficients[k] * m.logits[i], 0))
    ),
  );
  log(`parity: new graph vs its members' logits weighted by hand (${parityImages.length} val images): ${parity}`);
  if (!(parity <= PARITY_TOLERANCE)) {
    throw new StepError(`repoint parity failed: max |Δlogit| ${parity} > ${PARITY_TOLERANCE}; nothing was written`);
  }
  const predictions = predictionRows(images, scored.logits).map((r, i) => ({
    ...r,
    ...(scored.subtypeLogits[i]?.length ? { subtypeLogits: scored.subtypeLogits[i] } : {}),
  }));

  const out = args.out;
  await mkdir(out, { recursive: true });
  const json = (v: unknown) => JSON.stringify(v, null, 1) + "\n";
  await writeFile(runPath(out, "floatModel"), repointed);
  await writeFile(runPath(out, "preprocess"), json(spec));
  await writeFile(
    runPath(out, "onnxExport"),
    json({
      kind: "onnx-export",
      created: new Date().toISOString(),
      checkpoint: `${args.model} with member temperatures from ${args.point}`,
      opset: card.opset,
      io: card.io,
      floatBytes: repointed.length,
      parity: { images: parityImages.length, maxAbsLogitDiff: parity, tolerance: PARITY_TOLERANCE },
    }),
  );
  await writeFile(
    runPath(out, "trainConfig"),
    json({
      ...config,
      out,
      ensemble: members.map((m, k) => ({ ...m, temperature: point.memberTemperatures[k] })),
      memberTemperaturesFrom: point.chosenOn,
    }),
  );
  // the card keeps the epochs, not the curves: one row per epoch, numbered
  const epochs = training?.epochs ?? 0;
  await writeFile(runPath(out, "history"), json(Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, val: {} }))));
  await writeFile(runPath(out, "predictions"), json(predictions));
  log(`wrote ${out}: ${predictions.length} predictions; next: deno task evaluate --point ${args.point}`);
}

main().catch(stepFailed("repoint"));
