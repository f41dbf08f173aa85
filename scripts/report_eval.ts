/**
 * Evaluation report of a training run: learning curves, ROC/PR with the operating point, score
 * distributions, confusion matrices, calibration before/after temperature scaling, per-subtype
 * recall and a gallery of misclassified images (false negatives first). Writes PNGs,
 * `report.json` and a self-contained `index.html` to --out.
 *
 *   deno task report:eval --run runs/x [--eval runs/x/eval.json] [--out runs/x/report]
 *     [--predictions runs/x/predictions.json] [--history runs/x/history.json]
 *     [--manifest runs/taleqani/manifest.json] [--gallery 24] [--gallery-split test] [--tile 128]
 * Without eval.json the evaluation is computed here (as scripts/evaluate.ts does, 200 resamples).
 * The gallery's image root comes from --manifest, else <run>/manifest.json, <run>/../manifest.json or
 * the root recorded in <run>/train_config.json.
 *
 * @module
 */
import { access, readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { cliArgs, numberFlag, UsageError } from "./lib/run/cli.ts";
import type { EvalReport } from "./lib/metrics/report.ts";
import { runPath } from "./lib/run/run_files.ts";

const USAGE = `Usage: deno task report:eval --run <run folder> [options]
  (node --import tsx scripts/report_eval.ts …)
  --run DIR            the run folder (after deno task train; eval.json is used when present)
  --eval FILE          the evaluation (default <run>/eval.json; else computed here with 200 resamples)
  --out DIR            where index.html, report.json and the PNGs go (<run>/report)
  --predictions FILE   the trainer's predictions (default <run>/predictions.json)
  --history FILE       the learning curves (default <run>/history.json)
  --manifest FILE      the split manifest, for the gallery's images (default: found beside the run)
  --gallery N          misclassified images shown, false negatives first (24; 0 = none)
  --gallery-split S    val | test (test when the run has test predictions)
  --tile N             gallery tile side in pixels, 16–512 (128)`;

const args = cliArgs({
  name: "report_eval.ts",
  usage: USAGE,
  example: "deno task report:eval --run runs/np/wbzoom --manifest runs/np/manifest.json",
  options: {
    run: { type: "string" },
    eval: { type: "string" },
    out: { type: "string" },
    predictions: { type: "string" },
    history: { type: "string" },
    manifest: { type: "string" },
    gallery: { type: "string" },
    tile: { type: "string" },
    "gallery-split": { type: "string" },
  },
  required: ["run"],
}, (v) => {
  const split = v["gallery-split"];
  if (split !== undefined && split !== "val" && split !== "test") {
    throw new UsageError(`--gallery-split must be val or test, got "${split}"`);
  }
  return {
    ...v,
    run: v.run!,
    gallery: numberFlag(v.gallery, "gallery", { integer: true, min: 0, fallback: 24 }),
    tile: numberFlag(v.tile, "tile", { integer: true, min: 16, max: 512, fallback: 128 }),
    "gallery-split": split as "val" | "test" | undefined,
  };
});

const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { parsePredictions } = await import("./lib/metrics/predictions.ts");
const { evaluatePredictions } = await import("./lib/metrics/report.ts");
const { buildEvalReport } = await import("./lib/report/eval.ts");
const { fileLoader } = await import("./lib/report/files.ts");
const { bestEpoch, parseHistory } = await import("./lib/report/history.ts");
const { parseRunJson } = await import("./lib/run/run_folder.ts");

/** Where the report goes by default, inside the run folder (not a pipeline step's output). */
const REPORT_DIR = "report";

const exists = (f: string) => access(f).then(() => true, () => false);

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const values = args;
  const { run, gallery, tile } = values;
  const split = values["gallery-split"];

  const predFile = values.predictions ?? runPath(run, "predictions");
  const predictions = parsePredictions(await readJson(predFile, "predictions"), predFile);
  const evalFile = values.eval ?? runPath(run, "eval");
  let evaluation: EvalReport;
  const sources = [`predictions ${predFile}`];
  if (values.eval || (await exists(evalFile))) {
    evaluation = parseRunJson("eval", await readJson(evalFile, "evaluation"), evalFile);
    sources.push(`evaluation ${evalFile}`);
  } else {
    console.error(`report_eval: no ${evalFile}; computing the evaluation here (200 resamples)`);
    evaluation = evaluatePredictions(predictions, { resamples: 200, source: predFile });
    sources.push("evaluation computed by report_eval (no eval.json)");
  }
  const histFile = values.history ?? runPath(run, "history");
  const rawHistory = values.history || (await exists(histFile)) ? await readJson(histFile, "history") : undefined;
  const history = rawHistory === undefined ? undefined : parseHistory(rawHistory, histFile);
  if (history) sources.push(`history ${histFile}`);
  const candidates = values.manifest
    ? [values.manifest]
    : [runPath(run, "manifest"), join(run, "..", "manifest.json"), runPath(run, "trainConfig")];
  let load;
  let subtypes: string[] | undefined;
  for (const f of candidates) {
    if (!(await exists(f))) continue;
    // train_config.json (the trainer's) records the dataset root; a manifest has it too.
    const src = f === runPath(run, "trainConfig")
      ? parseRunJson("trainConfig", await readJson(f, "train config"), f)
      : await readSplitManifest(f);
    if (typeof src.root === "string") {
      load = fileLoader(src.root);
      sources.push(`images from ${src.root} (via ${f})`);
      if (Array.isArray(src.subtypes)) subtypes = src.subtypes as string[];
      break;
    }
  }
  // The subtype head's output order is the trainer's (train_config.json), when the run has one.
  const trainConfig = runPath(run, "trainConfig");
  if (await exists(trainConfig)) {
    subtypes = parseRunJson("trainConfig", await readJson(trainConfig, "train config"), trainConfig).subtypes;
  }
  if (!load) {
    console.error(
      `report_eval: no manifest found (tried ${
        candidates.join(", ")
      }); the gallery will have no images; pass --manifest`,
    );
  }

  const r = await buildEvalReport(
    {
      run: basename(resolve(run)),
      predictions,
      evaluation,
      history,
      bestEpoch: history ? bestEpoch(history, rawHistory) : undefined,
      subtypes,
      load,
      sources: sources.join("; "),
    },
    {
      outDir: values.out ?? join(run, REPORT_DIR),
      galleryMax: gallery,
      tile,
      gallerySplit: split as "val" | "test" | undefined,
      log: (m) => console.error(m),
    },
  );
  console.log(`wrote ${r.files.length} files; open ${r.html}`);
}

main().catch((err) => {
  console.error(`report_eval: ${(err as Error).message}`);
  process.exit(1);
});
