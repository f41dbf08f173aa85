/**
 * Evaluates a trainer's predictions: temperature on val, threshold and review band on val,
 * metrics with bootstrap intervals on val and test.
 *
 * Usage:
 *   tsx scripts/evaluate.ts --predictions runs/x/predictions.json --out runs/x/eval.json
 *     [--target-sensitivity 0.99] [--resamples 1000] [--seed 1]
 *     [--manifest runs/x/manifest.json]
 * With --manifest, predictions are checked against the manifest's splits and the bootstrap
 * resamples whole split groups (blocks/subjects), which gives honest intervals.
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { readSplitManifest } from "./lib/data/split_manifest.ts";
import { attachGroups, parsePredictions } from "./lib/metrics/predictions.ts";
import { evaluatePredictions, formatEvalTable } from "./lib/metrics/report.ts";

const USAGE =
  "usage: tsx scripts/evaluate.ts --predictions runs/x/predictions.json --out runs/x/eval.json [--target-sensitivity 0.99] [--resamples 1000] [--seed 1] [--manifest runs/x/manifest.json]";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      predictions: { type: "string" },
      out: { type: "string" },
      "target-sensitivity": { type: "string", default: "0.99" },
      resamples: { type: "string", default: "1000" },
      seed: { type: "string", default: "1" },
      manifest: { type: "string" },
    },
  });
  if (!values.predictions || !values.out) throw new Error(`--predictions and --out are required\n${USAGE}`);
  const target = Number(values["target-sensitivity"]);
  if (!(target > 0 && target <= 1)) {
    throw new Error(`--target-sensitivity must be in (0, 1], got ${values["target-sensitivity"]}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(values.predictions, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${values.predictions}: ${(err as Error).message}; run the trainer first`);
  }
  let preds = parsePredictions(json, values.predictions);
  if (values.manifest) {
    const { rows, missing } = attachGroups(preds, (await readSplitManifest(values.manifest)).items);
    if (missing.length) {
      console.warn(
        `warning: ${missing.length} predictions are not in ${values.manifest} (e.g. ${missing[0]}); they get no group`,
      );
    }
    preds = rows;
  }
  const report = evaluatePredictions(preds, {
    targetSensitivity: target,
    resamples: Number(values.resamples),
    seed: Number(values.seed),
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
