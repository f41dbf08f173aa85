/**
 * Fits the model card's input-domain check and reports how many images of other sets it flags,
 * and how the model does on them. Two modes:
 *
 * - `--features` (for a model exported with the pooled-features output): a Mahalanobis distance
 *   in the network's own feature space, fitted on the TRAIN originals (unshifted) with covariance
 *   shrinkage toward the diagonal (`scripts/lib/domain/features.ts`), its threshold the
 *   `--quantile` (0.995) of the VAL originals' distances; beside it only sanity ranges (per-channel
 *   std and darkFraction, generous: `scripts/lib/domain/sanity.ts`) unless `--legacy-ranges`
 *   keeps the old per-statistic ranges. The report covers the manifest's test split, each
 *   `--check` manifest and a few non-microscopy images made in code (`synthetic`).
 *
 *   deno task domain --features --model runs/x/model.int8.onnx --manifest runs/np/manifest.json
 *     --out runs/x/domain.json --check runs/cnmc_subset/manifest.json [--quantile 0.995]
 *     [--shrinkage auto|λ] [--legacy-ranges] [--limit N]
 *
 * - Otherwise (the old check): per-statistic ranges of the training images (unshifted and under
 *   the colour/JPEG shift grid).
 *
 *   deno task domain --model model/all-v4.int8.onnx --manifest runs/taleqani/manifest.json
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
import { cliArgs } from "./lib/run/cli.ts";
import type { Split } from "./lib/data/split_manifest.ts";
import type { Measured } from "./lib/domain/measure.ts";
import type { FloatRgbImage } from "../model/core/mod.ts";
import type { DomainCheck, PreprocessSpec } from "../model/core/mod.ts";

const USAGE =
  `Usage: deno task domain --features --model <model.onnx> --manifest <manifest.json> --out <domain.json> [options]
   or: deno task domain (--model <model.onnx> | --preprocess <preprocess.json>) --manifest <manifest.json> --out <domain.json> [options]
  (node --import tsx scripts/fit_domain.ts …)
  --model FILE         the ONNX model (its card beside it); with --features it needs the "features" output
  --preprocess FILE    instead of --model (ranges only): the trainer's preprocess.json; flag counts, no model metrics
  --manifest FILE      the split manifest: fitted on train, the threshold on val, reported on test
  --out FILE           the check to write (the card's \`domain\`: deno task card --domain)
  --report FILE        the fit and the checks (default <out>_report.json; the card's \`outOfDomain\`: --ood)
  --check FILE[:split] (repeatable) another manifest to report flags on (default split: all)
  --limit N            at most N images per split
  --threads N          onnxruntime-node threads (1)
 With --features (a Mahalanobis distance in the network's pooled-feature space):
  --quantile Q         the threshold: this quantile of the val originals' distances (0.995); a refit's
                       manifest has no val split: then of the train originals' own (take it higher)
  --shrinkage S        covariance shrinkage toward the diagonal: auto or a number in [0, 1] (auto)
  --legacy-ranges      keep the per-statistic ranges beside the distance (default: sanity ranges only)
  --chunk N            images per batch (64)
 Without (per-statistic ranges):
  --quantiles LO,HI    the range of each statistic (0.005,0.995)
  --margin X           widen each range by X of its width (0.1)
  --min-pad X          least padding of a range (0.01)
  --no-shift           fit on the unshifted images only (default: also under the colour/JPEG shift grid)`;

const values = cliArgs({
  name: "fit_domain.ts",
  usage: USAGE,
  example: "deno task domain --features --model runs/x/model.int8.onnx --manifest runs/np/manifest.json \\\n" +
    "  --out runs/x/domain.json --check runs/cnmc_subset/manifest.json",
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
    features: { type: "boolean", default: false },
    quantile: { type: "string", default: "0.995" },
    shrinkage: { type: "string", default: "auto" },
    "legacy-ranges": { type: "boolean", default: false },
    chunk: { type: "string", default: "64" },
  },
});

const { imageStats, toFloatRgb } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { confusionAt, rates } = await import("./lib/metrics/confusion.ts");
const { loadModelFile } = await import("../model/core/mod.ts");
const { fitDomainRanges } = await import("./lib/domain/fit.ts");
const { statsUnderCells, summarizeFlags } = await import("./lib/domain/stats.ts");
const { fitFeatureDomain, measureItems, SANITY_FIT } = await import("./lib/domain/feature_fit.ts");
const { measureImages, summarizeFeatureFlags } = await import("./lib/domain/measure.ts");
const { syntheticImages } = await import("./lib/domain/synthetic.ts");
const { quantileSorted } = await import("./lib/domain/fit.ts");
const { sigmoid } = await import("./lib/metrics/calibration.ts");
const { checkDomain } = await import("../model/core/mod.ts");
const { applyShiftCell, SHIFT_GRID } = await import("./lib/shift/grid.ts");
const { loadImages, selectItems } = await import("./lib/shift/load.ts");
const { parseRunJson } = await import("./lib/run/run_folder.ts");
const { modelFloatScorer } = await import("./lib/shift/score.ts");

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
  if (values.features) return await mainFeatures(values);
  if (!values.manifest || !values.out || (!values.model && !values.preprocess)) {
    throw new Error(`--manifest, --out and one of --model or --preprocess are required (see --help)`);
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

/** Parsed flags (both modes share the parser). */
interface Flags {
  model?: string;
  manifest?: string;
  out?: string;
  check?: string[];
  quantiles?: string;
  margin?: string;
  "min-pad"?: string;
  "no-shift"?: boolean;
  limit?: string;
  threads?: string;
  report?: string;
  quantile?: string;
  shrinkage?: string;
  "legacy-ranges"?: boolean;
  chunk?: string;
}

/** `--check` value: a manifest with an optional `:split`. */
function parseCheckArg(arg: string): { file: string; split: Split | "all" } {
  const m = /^(.*?)(?::(train|val|test|all))?$/.exec(arg)!;
  return { file: m[1], split: (m[2] ?? "all") as Split | "all" };
}

const distanceSummary = (d: readonly number[]) => {
  const sorted = [...d].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    min: r(sorted[0]),
    median: r(quantileSorted(sorted, 0.5)),
    p95: r(quantileSorted(sorted, 0.95)),
    max: r(sorted[sorted.length - 1]),
  };
};

/** `--features`: the feature distance + sanity ranges, and the report. */
async function mainFeatures(values: Flags): Promise<void> {
  if (!values.manifest || !values.out || !values.model) {
    throw new Error(`--features needs --model (exported with a "features" output), --manifest and --out (see --help)`);
  }
  const quantile = Number(values.quantile);
  if (!(quantile > 0 && quantile <= 1)) throw new Error(`--quantile must be in (0, 1], got ${values.quantile}`);
  const shrinkage = values.shrinkage === "auto" ? "auto" as const : Number(values.shrinkage);
  if (shrinkage !== "auto" && !(shrinkage >= 0 && shrinkage <= 1)) {
    throw new Error(`--shrinkage must be auto or a number in [0, 1], got ${values.shrinkage}`);
  }
  const chunk = Number(values.chunk);
  if (!(Number.isInteger(chunk) && chunk > 0)) throw new Error(`--chunk must be a positive integer`);
  const limit = values.limit ? Number(values.limit) : undefined;
  const log = (s: string) => console.error(s);

  const model = await loadModelFile(values.model, { backend: "node", threads: Number(values.threads) });
  const card = model.card;
  const spec = card.preprocess;
  const manifest = await readSplitManifest(values.manifest);
  const cells = values["no-shift"] ? [SHIFT_GRID[0]] : [...SHIFT_GRID];

  // Train originals, unshifted: the feature model and the sanity ranges (scripts/lib/domain/feature_fit.ts,
  // the card step's fit too), or, with --legacy-ranges, the old ranges under the shift grid.
  const legacyRows: Record<string, number>[] = [];
  const fit = await fitFeatureDomain(model, manifest, {
    shrinkage,
    quantile,
    chunk,
    limit,
    log,
    onTrainChunk: async (rgba) => {
      if (values["legacy-ranges"]) legacyRows.push(...await statsUnderCells(rgba, cells, spec));
    },
  });
  const { train, val, valDistances } = fit;
  const features = fit.domain.features;
  const output = features.output;
  const sanity = SANITY_FIT;
  const ranges = values["legacy-ranges"]
    ? fitDomainRanges(legacyRows, {
      quantiles: values.quantiles!.split(",").map(Number) as [number, number],
      margin: Number(values.margin),
      minPad: Number(values["min-pad"]),
    }).ranges
    : fit.domain.ranges;
  const domain: DomainCheck = { ranges, features };
  log(
    `feature check: ${features.dims} features, shrinkage λ = ${features.fitted.shrinkage}, threshold ` +
      `${features.threshold.toFixed(3)} (quantile ${quantile} of the ${
        features.fitted.thresholdOn === "train" ? "train" : "val"
      } originals' distances)`,
  );

  const trainFlags = summarizeFeatureFlags(train, domain);
  const valFlags = summarizeFeatureFlags(val, domain);

  const checkOf = (m: Measured, labels: boolean[], meta: { manifest: string; dataset: string; split: string }) => {
    const flags = summarizeFeatureFlags(m, domain);
    const scores = m.logits.map((l) => sigmoid(l, card.temperature));
    const pick = (want: boolean) => {
      const idx = flags.isFlagged.flatMap((f, i) => (f === want ? [i] : []));
      return metricsOf(idx.map((i) => scores[i]), idx.map((i) => labels[i]), card.threshold);
    };
    return {
      ...meta,
      n: flags.n,
      labels: { all: labels.filter(Boolean).length, normal: labels.filter((p) => !p).length },
      flagged: flags.flagged,
      flaggedShare: flags.n ? flags.flagged / flags.n : 0,
      flaggedByFeatures: flags.flaggedByFeatures,
      flaggedByStatistic: flags.flaggedByStatistic,
      distance: distanceSummary(flags.distances),
      model: { all: metricsOf(scores, labels, card.threshold), inDomain: pick(false), flagged: pick(true) },
    };
  };

  const checks = [];
  const testItems = selectItems(manifest, { split: "test", limit });
  log(`checking ${testItems.length} test originals…`);
  const test = await measureItems(model, manifest, testItems, chunk);
  checks.push(checkOf(test, testItems.map((i) => i.label === "all"), {
    manifest: values.manifest,
    dataset: manifest.dataset,
    split: "test",
  }));
  for (const arg of values.check ?? []) {
    const { file, split } = parseCheckArg(arg);
    const cm = await readSplitManifest(file);
    const items = selectItems(cm, { split, limit });
    log(`checking ${items.length} images of ${file}:${split}…`);
    const m = await measureItems(model, cm, items, chunk);
    checks.push(checkOf(m, items.map((i) => i.label === "all"), { manifest: file, dataset: cm.dataset, split }));
  }
  const synth = syntheticImages();
  const synthMeasured = await measureImages(model, synth.map((s) => toFloatRgb(s.image, spec)));
  const synthFlags = summarizeFeatureFlags(synthMeasured, domain);
  const synthetic = synth.map((s, i) => ({
    name: s.name,
    flagged: synthFlags.isFlagged[i],
    distance: Math.round(synthFlags.distances[i] * 1000) / 1000,
    reasons: checkDomain(
      domain,
      synthMeasured.stats[i],
      synthMeasured.features.data.subarray(
        i * features.dims,
        (i + 1) * features.dims,
      ),
    ),
  }));

  const pct = (k: number, n: number) => `${k}/${n} (${n ? (100 * k / n).toFixed(1) : "0.0"}%)`;
  for (const c of checks) {
    console.log(
      `${c.manifest}:${c.split} (${c.dataset}): flagged ${pct(c.flagged, c.n)}; by features ${c.flaggedByFeatures}, ` +
        `by ranges ${
          JSON.stringify(c.flaggedByStatistic)
        }; distance median ${c.distance?.median} p95 ${c.distance?.p95}`,
    );
  }
  console.log(
    `synthetic: flagged ${pct(synthetic.filter((s) => s.flagged).length, synthetic.length)} ` +
      synthetic.map((s) => `${s.name} ${s.distance}${s.flagged ? "" : " (NOT flagged)"}`).join(", "),
  );

  const result = {
    kind: "domain-fit",
    created: new Date().toISOString(),
    model: { path: values.model, id: card.id, version: card.version, threshold: card.threshold },
    preprocess: { source: values.model, size: spec.size, crop: spec.crop },
    // the check without its mean and whitening (those are in --out; the card carries them once)
    domain: { ranges, features: { ...features, mean: undefined, whitening: undefined, file: values.out } },
    fit: {
      mode: "features",
      manifest: values.manifest,
      dataset: manifest.dataset,
      split: "train",
      views: ["original"],
      images: train.features.n,
      validationImages: val.features.n,
      features: {
        output,
        dims: features.dims,
        shrinkage: features.fitted.shrinkage,
        shrinkageMethod: shrinkage === "auto"
          ? "Schäfer–Strimmer (2005) target D: λ = Σ_{i≠j} Var(s_ij) / Σ_{i≠j} s_ij², Σ = (1 − λ) S + λ diag(S)"
          : "fixed (--shrinkage)",
        quantile,
        threshold: features.threshold,
        rule: `d = ‖W (f − mean)‖, Wᵀ W = Σ⁻¹; flagged when d > threshold = the quantile of the ${
          features.fitted.thresholdOn === "train"
            ? "train originals' own d (a refit: no val split)"
            : "val originals' d"
        }`,
        ...(features.fitted.thresholdOn ? { thresholdOn: features.fitted.thresholdOn } : {}),
        trainDistance: distanceSummary(trainFlags.distances),
        valDistance: distanceSummary(valDistances),
      },
      ranges: values["legacy-ranges"]
        ? {
          kind: "legacy",
          cells: cells.map((c) => c.name),
          quantiles: values.quantiles,
          margin: Number(values.margin),
          minPad: Number(values["min-pad"]),
        }
        : {
          kind: "sanity",
          ...sanity,
          rule:
            "range = [q_low × lowFactor, q_high + max(margin·(q_high − q_low), minPad)], clipped to the statistic's limits",
        },
      trainFlagged: trainFlags.flagged,
      valFlagged: valFlags.flagged,
      valFlaggedByFeatures: valFlags.flaggedByFeatures,
    },
    checks,
    synthetic,
  };
  const reportPath = values.report ?? values.out.replace(/(\.json)?$/, "_report.json");
  await mkdir(dirname(values.out), { recursive: true });
  await mkdir(dirname(reportPath), { recursive: true });
  await writeFile(values.out, JSON.stringify(domain) + "\n");
  await writeFile(
    reportPath,
    JSON.stringify(result, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1) + "\n",
  );
  console.log(`ranges: ${JSON.stringify(ranges)}`);
  console.log(
    `wrote ${values.out} (the card's \`domain\`: card.ts --domain) and ${reportPath} (fit + checks: card.ts --ood)`,
  );
  await model.close();
}

main().catch((err) => {
  console.error(`fit_domain: ${(err as Error).message}`);
  process.exit(1);
});
