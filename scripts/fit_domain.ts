/**
 * Fits the model card's input-domain check on the training images (unshifted and under the
 * colour/JPEG shift grid) and reports how many images of other sets it flags, and how the model
 * does on them.
 *
 * Usage:
 *   tsx scripts/fit_domain.ts --model model/all-v4.int8.onnx --manifest runs/taleqani/manifest.json
 *     --out runs/x/domain.json [--check runs/taleqani/manifest.json:test]
 *     [--check runs/cnmc_subset/manifest.json] [--quantiles 0.005,0.995] [--margin 0.1] [--min-pad 0.01]
 *     [--no-shift] [--limit N]
 *   (or --preprocess runs/x/preprocess.json instead of --model: fit and flag counts only, no model metrics)
 *
 * The model's card gives the crop and resize the statistics are computed at; `--check` takes a
 * manifest with an optional `:split` (default: every split). `--out` receives only the
 * {@link DomainCheck} (`{ ranges }`, what `scripts/card.ts --domain` puts in the card);
 * `--report` (default `<out>_report.json`) receives the fit details and the checks
 * (`scripts/card.ts --ood`).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { imageStats } from "../model/core/mod.ts";
import { readSplitManifest, type Split } from "./lib/data/split_manifest.ts";
import { confusionAt, rates } from "./lib/metrics/confusion.ts";
import { loadModelFile } from "../model/core/mod.ts";
import { fitDomainRanges } from "./lib/domain/fit.ts";
import { statsUnderCells, summarizeFlags } from "./lib/domain/stats.ts";
import { applyShiftCell, SHIFT_GRID } from "./lib/shift/grid.ts";
import { loadImages, selectItems } from "./lib/shift/load.ts";
import { parseRunJson } from "./lib/run/run_folder.ts";
import { modelFloatScorer } from "./lib/shift/score.ts";
import type { FloatRgbImage } from "../model/core/mod.ts";
import type { DomainCheck, PreprocessSpec } from "../model/core/mod.ts";

const USAGE =
  "usage: tsx scripts/fit_domain.ts (--model model/all-v4.int8.onnx | --preprocess runs/x/preprocess.json) --manifest runs/taleqani/manifest.json --out runs/x/domain.json " +
  "[--report runs/x/domain_report.json] [--check MANIFEST[:split]]... [--quantiles 0.005,0.995] [--margin 0.1] [--min-pad 0.01] [--no-shift] [--limit N]";

async function readPreprocess(file: string): Promise<PreprocessSpec> {
  let spec: unknown;
  try {
    spec = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${file} (${(err as Error).message}); pass the trainer's preprocess.json or --model`);
  }
  return parseRunJson("preprocess", spec, file);
}

function metricsOf(scores: number[], positive: boolean[], threshold: number) {
  const c = confusionAt(scores.map((score, i) => ({ score, positive: positive[i] })), threshold);
  const r = rates(c);
  return { n: scores.length, confusion: c, sensitivity: r.sensitivity, specificity: r.specificity, f1: r.f1 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: "string" },
      manifest: { type: "string" },
      out: { type: "string" },
      check: { type: "string", multiple: true, default: [] },
      quantiles: { type: "string", default: "0.005,0.995" },
      margin: { type: "string", default: "0.1" },
      "min-pad": { type: "string", default: "0.01" },
      "no-shift": { type: "boolean", default: false },
      limit: { type: "string" },
      threads: { type: "string", default: "1" },
      preprocess: { type: "string" },
      report: { type: "string" },
    },
  });
  if (!values.manifest || !values.out || (!values.model && !values.preprocess)) {
    throw new Error(`--manifest, --out and one of --model or --preprocess are required\n${USAGE}`);
  }
  const quantiles = values.quantiles!.split(",").map(Number) as [number, number];
  if (quantiles.length !== 2 || quantiles.some((q) => !Number.isFinite(q))) {
    throw new Error(`--quantiles must be two numbers like 0.005,0.995`);
  }
  const margin = Number(values.margin);
  const minPad = Number(values["min-pad"]);
  const limit = values.limit ? Number(values.limit) : undefined;
  const log = (s: string) => console.error(s);

  // Native onnxruntime, one session.run per scorer call (maxBatch: a batch of 1 rounds differently).
  const model = values.model
    ? await loadModelFile(values.model, { backend: "node", threads: Number(values.threads), maxBatch: Infinity })
    : undefined;
  const card = model?.card;
  const spec: PreprocessSpec = card?.preprocess ?? await readPreprocess(values.preprocess!);
  const cells = values["no-shift"] ? [SHIFT_GRID[0]] : [...SHIFT_GRID];

  const manifest = await readSplitManifest(values.manifest);
  const trainItems = selectItems(manifest, { split: "train", limit });
  log(`fitting on ${trainItems.length} train images × ${cells.length} grid cells…`);
  const train = await loadImages(manifest, trainItems);
  const trainStats = await statsUnderCells(train.map((t) => t.rgba), cells, spec);
  const domain: DomainCheck = fitDomainRanges(trainStats, { quantiles, margin, minPad });
  const trainFlags = summarizeFlags(trainStats.slice(0, train.length), domain);

  const checks = [];
  for (const arg of values.check!) {
    const m = /^(.*?)(?::(train|val|test|all))?$/.exec(arg)!;
    const file = m[1], split = (m[2] ?? "all") as Split | "all";
    const cm = await readSplitManifest(file);
    const loaded = await loadImages(cm, selectItems(cm, { split, limit }));
    const positive = loaded.map((l) => l.item.label === "all");
    const floats: FloatRgbImage[] = [];
    for (const l of loaded) floats.push(await applyShiftCell(l.rgba, SHIFT_GRID[0], spec));
    const flags = summarizeFlags(floats.map(imageStats), domain);
    const flaggedByCell: Record<string, number> = {};
    for (const cell of cells) {
      flaggedByCell[cell.name] = summarizeFlags(
        await statsUnderCells(loaded.map((l) => l.rgba), [cell], spec),
        domain,
      ).flagged;
    }
    const scores = model ? await modelFloatScorer(model)(floats) : [];
    const pick = (want: boolean) => {
      const idx = flags.isFlagged.flatMap((f, i) => (f === want ? [i] : []));
      return metricsOf(idx.map((i) => scores[i]), idx.map((i) => positive[i]), card!.threshold);
    };
    const check = {
      manifest: file,
      dataset: cm.dataset,
      split,
      n: loaded.length,
      labels: { all: positive.filter(Boolean).length, normal: positive.filter((p) => !p).length },
      flagged: flags.flagged,
      flaggedByStatistic: flags.byStatistic,
      flaggedUnderShift: flaggedByCell,
      ...(card
        ? { model: { all: metricsOf(scores, positive, card.threshold), inDomain: pick(false), flagged: pick(true) } }
        : {}),
    };
    checks.push(check);
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
    console.log(
      `${file}:${split} (${cm.dataset}): ${check.n} images, ${check.flagged} flagged out of domain ` +
        `(${Object.entries(check.flaggedByStatistic).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}); ` +
        (check.model ? `model sens ${f(check.model.all.sensitivity)} spec ${f(check.model.all.specificity)} ` : "") +
        `(${check.labels.all} all / ${check.labels.normal} normal); worst shift cell flags ${
          Math.max(...Object.values(flaggedByCell))
        }`,
    );
  }

  const result = {
    kind: "domain-fit",
    created: new Date().toISOString(),
    ...(card ? { model: { path: values.model, id: card.id, version: card.version, threshold: card.threshold } } : {}),
    preprocess: { source: values.model ?? values.preprocess, size: spec.size, crop: spec.crop },
    domain,
    fit: {
      manifest: values.manifest,
      dataset: manifest.dataset,
      split: "train",
      views: ["original"],
      images: train.length,
      cells: cells.map((c) => c.name),
      rows: trainStats.length,
      quantiles,
      margin,
      minPad,
      rule:
        "range = [q_low − pad, q_high + pad], pad = max(margin·(q_high − q_low), minPad), per statistic, clipped to its limits",
      trainFlaggedUnshifted: trainFlags.flagged,
    },
    checks,
  };
  const reportPath = values.report ?? values.out.replace(/(\.json)?$/, "_report.json");
  await mkdir(dirname(values.out), { recursive: true });
  await mkdir(dirname(reportPath), { recursive: true });
  await writeFile(values.out, JSON.stringify(domain, null, 1) + "\n");
  await writeFile(
    reportPath,
    JSON.stringify(result, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1) + "\n",
  );
  console.log("ranges:");
  for (const [k, [lo, hi]] of Object.entries(domain.ranges)) {
    console.log(`  ${k.padEnd(13)} [${lo.toFixed(4)}, ${hi.toFixed(4)}]`);
  }
  console.log(
    `wrote ${values.out} (the card's \`domain\`: card.ts --domain) and ${reportPath} (fit + checks: card.ts --ood)`,
  );
  await model?.close();
}

main().catch((err) => {
  console.error(`fit_domain: ${(err as Error).message}`);
  process.exit(1);
});
