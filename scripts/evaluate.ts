/**
 * Evaluates a trainer's predictions: temperature on val, threshold and review band on val,
 * metrics with bootstrap intervals on val and test.
 *
 *   deno task evaluate --predictions runs/x/predictions.json --out runs/x/eval.json
 *     [--target-sensitivity 0.99] [--resamples 1000] [--seed 1]
 *     [--manifest runs/x/manifest.json] [--val-only]
 * With --manifest, predictions are checked against the manifest's splits and the bootstrap
 * resamples whole split groups (blocks/subjects), which gives honest intervals. Under 100 images of
 * a class in a split, or with a zero-width interval, the table and the JSON carry a warning
 * (`scripts/lib/metrics/sample_size.ts`).
 *
 * @module
 */
import { cliArgs, numberFlag } from "./lib/run/cli.ts";

const USAGE = `Usage: deno task evaluate --predictions <predictions.json> --out <eval.json> [options]
  (node --import tsx scripts/evaluate.ts …)
  --predictions FILE      the trainer's predictions.json (val and test logits)
  --out FILE              the evaluation to write, e.g. runs/x/eval.json
  --manifest FILE         the split manifest: checks the splits and resamples whole groups (honest intervals)
  --target-sensitivity X  the val sensitivity the threshold is chosen for (0.99)
  --resamples N           bootstrap resamples (1000)
  --seed N                bootstrap seed (1)
  --val-only              leave the test rows out (not scored, not printed, not in the JSON): for
                          runs that choose between recipes, e.g. the folds of deno task folds
  --point FILE            evaluate at the temperature and operating point fitted on a recipe's
                          out-of-fold scores (a deno task folds --out report) instead of fitting
                          them on val; an ensemble must be built with ensemble --point FILE
Prints the table (val and test), with a warning under 100 images of a class or a
zero-width interval (also in the JSON's "warnings"). Next: deno task export.`;

const args = cliArgs({
  name: "evaluate.ts",
  usage: USAGE,
  example:
    "deno task evaluate --predictions runs/x/predictions.json --manifest runs/x/manifest.json --out runs/x/eval.json",
  options: {
    predictions: { type: "string" },
    out: { type: "string" },
    "target-sensitivity": { type: "string" },
    resamples: { type: "string" },
    seed: { type: "string" },
    manifest: { type: "string" },
    "val-only": { type: "boolean", default: false },
    point: { type: "string" },
  },
  required: ["predictions", "out"],
}, (v) => ({
  predictions: v.predictions!,
  out: v.out!,
  manifest: v.manifest,
  valOnly: v["val-only"] === true,
  point: v.point,
  targetSensitivity: numberFlag(v["target-sensitivity"], "target-sensitivity", { min: 0.5, max: 1, fallback: 0.99 }),
  resamples: numberFlag(v.resamples, "resamples", { integer: true, min: 1, fallback: 1000 }),
  seed: numberFlag(v.seed, "seed", { integer: true, fallback: 1 }),
}));

const { mkdir, readFile, writeFile } = await import("node:fs/promises");
const { dirname, join } = await import("node:path");
const { existsSync } = await import("node:fs");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { attachGroups, parsePredictions } = await import("./lib/metrics/predictions.ts");
const { evaluatePredictions, formatEvalTable } = await import("./lib/metrics/report.ts");
const { pointMismatch, readPointFile } = await import("./lib/run/fixed_point.ts");

async function main(): Promise<void> {
  const values = args;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(values.predictions, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${values.predictions}: ${(err as Error).message}; run the trainer first`);
  }
  let preds = parsePredictions(json, values.predictions);
  if (values.valOnly) preds = preds.filter((p) => p.split === "val");
  if (values.manifest) {
    const { rows, missing } = attachGroups(preds, (await readSplitManifest(values.manifest)).items);
    if (missing.length) {
      console.warn(
        `warning: ${missing.length} predictions are not in ${values.manifest} (e.g. ${missing[0]}); they get no group`,
      );
    }
    preds = rows;
  }
  let point;
  if (values.point) {
    point = await readPointFile(values.point);
    // the run's graph must divide its members' logits by the point's member temperatures
    const config = join(dirname(values.predictions), "train_config.json");
    const members = existsSync(config)
      ? (JSON.parse(await readFile(config, "utf8")) as { ensemble?: { temperature: number }[] }).ensemble
      : undefined;
    const problem = pointMismatch(point, members?.map((m) => m.temperature));
    if (problem) throw new Error(`${values.point} does not fit ${values.predictions}: ${problem}`);
  }
  const report = evaluatePredictions(preds, {
    point,
    targetSensitivity: values.targetSensitivity,
    resamples: values.resamples,
    seed: values.seed,
    source: values.predictions,
  });
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(
    values.out,
    JSON.stringify(report, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1) + "\n",
  );
  console.log(formatEvalTable(report));
  console.log(`wrote ${values.out}`);
}

main().catch((err) => {
  console.error(`evaluate: ${(err as Error).message}`);
  process.exit(1);
});
