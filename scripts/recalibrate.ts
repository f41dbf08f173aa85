/**
 * Recalibrates the served model for one lab: scores the lab's labelled images with the model as the
 * service does, refits the threshold and review band at the card's own rule, says what the new point
 * answers for the lab's next patients (cross-validated by patient), and writes the model under a new
 * name: a byte copy of the `.onnx` and a card bound to it by the same hash, for `MODEL=`.
 *
 *   deno task recalibrate --images /lab/labelled --lab "Lab A" --out lab/all-v6.1-lab-a.int8.onnx
 *   MODEL=lab/all-v6.1-lab-a.int8.onnx deno task start
 *
 * @module
 */
import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { cliArgs, numberFlag, UsageError } from "./lib/run/cli.ts";

const USAGE =
  `Usage: deno task recalibrate (--images DIR | --manifest FILE) --lab NAME (--out FILE.onnx | --dry-run) [options]
  (node --import tsx scripts/recalibrate.ts …)
  --images DIR        the lab's labelled images: DIR/all/… and DIR/normal/… (or hem/, benign/), each
                      best as one folder per patient (DIR/all/<patient>/<image>)
  --manifest FILE     instead of --images: a split manifest or deno task ingest's output (reviewer labels)
  --split S           with --manifest: train | val | test | all (all)
  --lab NAME          whose slides these are (the card's version becomes <version>+lab.<name>)
  --out FILE.onnx     where to write the model copy; its card goes beside it (FILE.json)
  --model FILE        the served model to recalibrate (model/all-v6.1.int8.onnx)
  --map A=all,B=normal  class folder names (all=all,normal=normal,hem=normal,benign=normal)
  --folds K           cross-validation folds by patient (5)
  --min-per-class N   refuse with fewer labelled images of a class (20)
  --sensitivity X, --band-sensitivity X, --band-specificity X
                      the rule (default: the card's own, e.g. 0.99, 0.998, 0.99)
  --backend B         web (the service's onnxruntime-web, default) | node
  --dry-run           print what the lab's images are answered, write nothing
  --force             overwrite FILE.onnx and FILE.json if they exist
  --allow-more-misses write the card even when, cross-validated by patient, it answers more of the
                      lab's ALL images \`normal\` than the shipped card does (refused otherwise)
Prints what the service answers for the lab's images as shipped, and with the refitted point
(cross-validated by patient, and in-sample), then writes the model and its card.`;

const args = cliArgs({
  name: "recalibrate.ts",
  usage: USAGE,
  example: 'deno task recalibrate --images /lab/labelled --lab "Lab A" --out lab/all-v6.1-lab-a.int8.onnx',
  options: {
    images: { type: "string" },
    manifest: { type: "string" },
    split: { type: "string", default: "all" },
    lab: { type: "string" },
    out: { type: "string" },
    model: { type: "string" },
    map: { type: "string" },
    folds: { type: "string" },
    "min-per-class": { type: "string" },
    sensitivity: { type: "string" },
    "band-sensitivity": { type: "string" },
    "band-specificity": { type: "string" },
    backend: { type: "string", default: "web" },
    force: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    "allow-more-misses": { type: "boolean", default: false },
    seed: { type: "string" },
  },
  required: ["lab"],
}, (v) => {
  if ((v.images === undefined) === (v.manifest === undefined)) {
    throw new UsageError("give exactly one of --images DIR or --manifest FILE");
  }
  if (v.out === undefined && !v["dry-run"]) throw new UsageError("give --out FILE.onnx, or --dry-run to write nothing");
  if (v.out !== undefined && v["dry-run"]) throw new UsageError("--dry-run writes nothing: leave out --out");
  if (v.out !== undefined && !/\.onnx$/i.test(v.out)) {
    throw new UsageError(`--out must end in .onnx (its card goes beside it), got "${v.out}"`);
  }
  if (!["train", "val", "test", "all"].includes(v.split!)) {
    throw new UsageError(`--split must be train, val, test or all, got "${v.split}"`);
  }
  if (v.backend !== "web" && v.backend !== "node") {
    throw new UsageError(`--backend must be web or node, got "${v.backend}"`);
  }
  if (!/[a-z0-9]/i.test(v.lab!)) throw new UsageError(`--lab must contain a letter or digit, got "${v.lab}"`);
  const rate = (x: string | undefined, flag: string) =>
    x === undefined ? undefined : numberFlag(x, flag, { min: 0.5, max: 0.99999 });
  return {
    ...v,
    lab: v.lab!,
    out: v.out,
    dryRun: v["dry-run"] === true,
    allowMoreMisses: v["allow-more-misses"] === true,
    backend: v.backend as "web" | "node",
    folds: numberFlag(v.folds, "folds", { integer: true, min: 2, fallback: 5 }),
    minPerClass: numberFlag(v["min-per-class"], "min-per-class", { integer: true, min: 1, fallback: 20 }),
    seed: numberFlag(v.seed, "seed", { integer: true, min: 0, fallback: 1 }),
    sensitivity: rate(v.sensitivity, "sensitivity"),
    bandSensitivity: rate(v["band-sensitivity"], "band-sensitivity"),
    bandSpecificity: rate(v["band-specificity"], "band-specificity"),
  };
});

const { cardPathFor, decodeImage, DEFAULT_MODEL, loadModelFile } = await import("../model/core/mod.ts");
const { DEFAULT_CLASS_MAP, parseClassMap } = await import("./lib/data/folders.ts");
const { listImageFiles } = await import("./lib/data/files.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { labFolder, tooFew } = await import("./lib/recalibrate/lab_images.ts");
const { cardRule } = await import("./lib/recalibrate/refit.ts");
const { recalibrateScores, scoreLabImages } = await import("./lib/recalibrate/run.ts");
const { formatAnswersTable } = await import("./lib/shift_suite/answers.ts");
const { StepError, stepFailed } = await import("./lib/run/cli.ts");
type LabImage = import("./lib/recalibrate/lab_images.ts").LabImage;

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false);
}

/** The lab's labelled images and the folder their paths are relative to. */
async function readLab(
  log: (s: string) => void,
): Promise<{ root: string; images: LabImage[]; patientIds: boolean; unit: string }> {
  if (args.images !== undefined) {
    const root = resolve(args.images);
    if (!(await stat(root).then((s) => s.isDirectory(), () => false))) {
      throw new StepError(`--images ${args.images} is not a folder; give the folder holding all/ and normal/`);
    }
    const lab = labFolder(await listImageFiles(root), args.map ? parseClassMap(args.map) : DEFAULT_CLASS_MAP);
    if (lab.unmapped.length > 0) log(`skipped folders that name no class: ${lab.unmapped.join(", ")} (see --map)`);
    if (lab.loose.length > 0) {
      log(
        `${lab.loose.length} images sit directly under a class folder beside patient folders: each counts as its own patient`,
      );
    }
    return { root, images: lab.images, patientIds: lab.patientIds, unit: "patients" };
  }
  const manifest = await readSplitManifest(args.manifest!);
  if (!manifest.root) throw new StepError(`${args.manifest} has no root folder; re-run the step that wrote it`);
  const items = manifest.items.filter((i) =>
    (args.split === "all" || i.split === args.split) && (i.view ?? "original") === "original"
  );
  const images = items.map((i) => ({ path: i.path, label: i.label, group: i.group }));
  const perImage = items.filter((i) => i.group.startsWith("feedback:")).length;
  if (perImage > 0) {
    log(
      `${perImage} of ${items.length} images have no case id (reviewer feedback without caseId): each counts as its own patient`,
    );
  }
  const unit = items.every((i) => i.group.startsWith("case:")) ? "cases" : "groups (the manifest's)";
  return { root: manifest.root, images, patientIds: perImage === 0, unit };
}

async function main(): Promise<void> {
  const log = (s: string) => console.error(s);
  const modelPath = args.model ?? DEFAULT_MODEL;
  const out = args.out;
  const outCard = out === undefined ? undefined : cardPathFor(out);
  if (out !== undefined && resolve(out) === resolve(modelPath)) {
    throw new StepError("--out must differ from --model: the served model is not changed");
  }
  if (out !== undefined && outCard !== undefined && !args.force) {
    for (const f of [out, outCard]) {
      if (await exists(f)) throw new StepError(`${f} exists; choose another --out, or pass --force to overwrite it`);
    }
  }
  const { root, images, patientIds, unit } = await readLab(log);
  const few = tooFew(images, args.minPerClass);
  if (few) throw new StepError(`${few} (--min-per-class ${args.minPerClass})`);
  const runtime = await loadModelFile(modelPath, { backend: args.backend, maxBatch: 64 });
  try {
    const card = runtime.card;
    const base = cardRule(card);
    const rule = {
      targetSensitivity: args.sensitivity ?? base.targetSensitivity,
      bandSensitivity: args.bandSensitivity ?? base.bandSensitivity,
      bandSpecificity: args.bandSpecificity ?? base.bandSpecificity,
    };
    log(`scoring ${images.length} lab images with ${card.id} ${card.version} (${modelPath}, ${runtime.backend})…`);
    const { scores, skipped } = await scoreLabImages(
      runtime,
      images,
      async (image) => await decodeImage(new Uint8Array(await readFile(join(root, image.path)))),
      log,
    );
    for (const s of skipped) log(`  skipped ${s.path}: ${s.reason}`);
    const scoredImages = images.filter((i) => !skipped.some((s) => s.path === i.path));
    const stillFew = tooFew(scoredImages, args.minPerClass);
    if (stillFew) throw new StepError(`${stillFew} after ${skipped.length} unreadable images were skipped`);
    const result = recalibrateScores(card, scores, {
      lab: args.lab,
      rule,
      folds: args.folds,
      seed: args.seed,
      patientIds,
      file: basename(out ?? modelPath),
    });
    const r = result.record;
    console.log(
      `${r.images.all} ALL and ${r.images.normal} normal images, ${r.images.patients} ${
        !patientIds ? "units (no patient ids)" : unit
      }, ${r.images.outOfDomain} flagged out of domain; rule: sensitivity ${rule.targetSensitivity}, band ${rule.bandSensitivity} / ${rule.bandSpecificity}\n`,
    );
    const rows = [
      r.answers.asShipped,
      ...(r.answers.crossValidated ? [r.answers.crossValidated] : []),
      r.answers.inSample,
    ];
    console.log(formatAnswersTable(rows).replace("| shift |", "| point |"));
    const band = (b: [number, number]) => `[${b[0].toFixed(3)}, ${b[1].toFixed(3)})`;
    console.log(
      `\nthreshold ${card.threshold.toFixed(3)} → ${result.point.threshold.toFixed(3)}; review band ${
        band(card.reviewBand)
      } → ${band(result.point.reviewBand)}; temperature ${card.temperature.toFixed(3)} (kept)`,
    );
    for (const w of r.warnings) console.log(`warning: ${w}`);
    const cv = r.answers.crossValidated, shipped = r.answers.asShipped;
    const moreMisses = cv !== null && cv.allAnsweredNormal.count > shipped.allAnsweredNormal.count;
    if (moreMisses) {
      console.log(
        `\nwarning: cross-validated by patient, the refitted point answers ${cv.allAnsweredNormal.count} of the lab's ALL ` +
          `images \`normal\`, the shipped card ${shipped.allAnsweredNormal.count}: for this lab it is the less safe of the two`,
      );
    }
    if (out === undefined || outCard === undefined) {
      console.log("\n--dry-run: nothing written");
      return;
    }
    if (moreMisses && !args.allowMoreMisses) {
      throw new StepError(
        "not written: the refitted point misses more of the lab's ALL images than the shipped card (above); " +
          "keep serving the shipped card, add labelled images, or pass --allow-more-misses to write it anyway",
      );
    }
    await mkdir(dirname(resolve(out)), { recursive: true });
    await copyFile(modelPath, out);
    await writeFile(outCard, `${JSON.stringify(result.card, null, 2)}\n`);
    const check = await loadModelFile(out, { backend: args.backend });
    await check.close();
    console.log(`\nwrote ${out} and ${outCard} (${result.card.version}); serve it with MODEL=${out}`);
  } finally {
    await runtime.close();
  }
}

main().catch(stepFailed("recalibrate"));
