/**
 * The card step: writes the run's two models beside their cards,
 * `<out>/<name>.float.onnx|json` and `<out>/<name>.int8.onnx|json`. A card is built from the run
 * folder (preprocessing, training config, the ONNX export, quantisation and both evaluations)
 * and the step reports: the input-domain check and its out-of-domain checks (`deno task domain`),
 * the shift report (`deno task shift`), the shift suite's answers (`deno task suite`) and the
 * colour baseline (`deno task baseline`). Reports
 * default to the run folder's; a missing one is left out of the card, with a warning, except the
 * input-domain check: without `domain.json` the step fits it now from the manifest's train and
 * val images (`scripts/lib/export/card_domain.ts`), or stops, unless `--no-domain` says to write
 * the cards without one (recorded in them). The card's `id` is `--id`, else `--name`.
 *
 *   deno task card --run runs/cand/w75 --manifest runs/taleqani/manifest.json --name all-v5 --out model
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { StepReports } from "./lib/run/card_fields.ts";
import { cliArgs, StepError, stepFailed, UsageError } from "./lib/run/cli.ts";
import { RUN_FILES, runPath } from "./lib/run/run_files.ts";

const USAGE = `Usage: deno task card --run <run folder> --manifest <split manifest> --name <model name> [options]
  (node --import tsx scripts/card.ts …)
  --run DIR          the run folder, after deno task quantize (and domain, shift, baseline)
  --manifest FILE    its split manifest (the card records its hash, split and counts)
  --name NAME        file name of the models, e.g. all-v5: writes <out>/NAME.float.onnx|json, NAME.int8.onnx|json
  --out DIR          where the models go (model)
  --id ID            the card's id (default: NAME)
  --version V        the card's version (default: the run's, set by deno task quantize --version)
  --domain FILE      input-domain check (default <run>/${RUN_FILES.domain.path}; without it, fitted now
                     from the manifest's train and val images, as deno task domain --features does)
  --no-domain        write the cards without an input-domain check (recorded in them; the service warns)
  --ood FILE         domain fit and out-of-domain checks (default <run>/${RUN_FILES.domainReport.path})
  --shift FILE       shift report (default <run>/${RUN_FILES.shift.path})
  --suite FILE       shift suite's answers (default <run>/${RUN_FILES.suite.path})
  --baseline FILE    colour baseline evaluation (default <run>/${RUN_FILES.baselineEval.path})
A missing step report is left out of the card, with a warning naming the step that writes it.`;

const args = cliArgs({
  name: "card.ts",
  usage: USAGE,
  example: "deno task card --run runs/np/wbzoom --manifest runs/np/manifest.json --name all-v5 --out model",
  options: {
    run: { type: "string" },
    manifest: { type: "string" },
    name: { type: "string" },
    out: { type: "string", default: "model" },
    id: { type: "string" },
    version: { type: "string" },
    domain: { type: "string" },
    "no-domain": { type: "boolean", default: false },
    ood: { type: "string" },
    shift: { type: "string" },
    suite: { type: "string" },
    baseline: { type: "string" },
  },
  required: ["run", "manifest", "name"],
}, (v) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v.name!)) {
    throw new UsageError(`--name must be a plain file name such as all-v5, got "${v.name}"`);
  }
  return v;
});

const { buildModelCard } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { writeModelFiles } = await import("./lib/onnx/card.ts");
const { cardFields } = await import("./lib/run/card_fields.ts");
const { readRunJson, readRunJsonAt } = await import("./lib/run/run_folder.ts");
const { cardDomain, withNoDomainCheck } = await import("./lib/export/card_domain.ts");

const log = (msg: string) => console.error(msg);

/** A step report: the flag's file (must exist), else the run folder's (left out when missing). */
async function report<K extends "domain" | "domainReport" | "shift" | "suite" | "baselineEval">(
  key: K,
  flag: string | undefined,
) {
  const run = args.run!;
  const value = flag === undefined
    ? await readRunJson(run, key, { optional: true })
    : await readRunJsonAt(flag, key, { run });
  const file = flag ?? runPath(run, key);
  if (value === undefined) {
    log(
      `no ${file}: the card goes without ${RUN_FILES[key].holds}; run \`deno task ${RUN_FILES[key].step}\` to add it`,
    );
  } else {
    log(`card: ${RUN_FILES[key].holds} from ${file}`);
  }
  return value;
}

async function readModel(key: "floatModel" | "int8Model"): Promise<Uint8Array> {
  const file = runPath(args.run!, key);
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    const step = RUN_FILES[key].step;
    throw new StepError(`${file} is missing; run \`deno task ${step} --run ${args.run}\` first`);
  }
}

async function main(): Promise<void> {
  const run = args.run!;
  const manifest = await readSplitManifest(args.manifest!);
  const trainConfig = await readRunJson(run, "trainConfig");
  if (manifest.dataset !== trainConfig.dataset) {
    throw new StepError(
      `${args.manifest} is a ${manifest.dataset} manifest but ${run} was trained on ${trainConfig.dataset}; ` +
        `pass the run's manifest`,
    );
  }
  const runCard = await readRunJson(run, "int8Card");
  const parts = {
    manifest,
    manifestSha256: createHash("sha256").update(await readFile(args.manifest!)).digest("hex"),
    preprocess: await readRunJson(run, "preprocess"),
    trainConfig,
    epochs: (await readRunJson(run, "history")).length,
    onnxExport: await readRunJson(run, "onnxExport"),
    exportReport: await readRunJson(run, "exportReport"),
  };
  const { domain, source: domainSource } = await cardDomain({
    run,
    manifest,
    domainFile: args.domain,
    noDomain: args["no-domain"] === true,
    log,
  });
  const reports: StepReports = {
    domain,
    ood: await report("domainReport", args.ood),
    shift: await report("shift", args.shift),
    suite: await report("suite", args.suite),
    baseline: await report("baselineEval", args.baseline),
  };
  if (reports.suite && reports.suite.data.dataset !== manifest.dataset) {
    throw new StepError(
      `the shift suite's answers are on ${reports.suite.data.dataset} (${reports.suite.data.manifest}), ` +
        `the run's manifest is ${manifest.dataset}; run \`deno task suite\` on the run's manifest or pass --suite`,
    );
  }
  const id = args.id ?? args.name!;
  const version = args.version ?? runCard.version;
  const models = [
    [`${args.name}.float`, await readModel("floatModel"), "float32"],
    [`${args.name}.int8`, await readModel("int8Model"), "int8-qdq"],
  ] as const;
  for (const [name, bytes, precision] of models) {
    const fields = cardFields(parts, reports, { id, version, file: `${name}.onnx`, precision });
    const card = await buildModelCard(domainSource === "none" ? withNoDomainCheck(fields) : fields, bytes);
    const paths = await writeModelFiles(args.out!, name, bytes, card);
    log(`wrote ${paths.onnx} and ${paths.card}`);
  }
}

main().catch(stepFailed("card"));
