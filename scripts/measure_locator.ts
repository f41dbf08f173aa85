/**
 * Measures the cell locator (`locateCells`, model/core/cells/) against the reference: the
 * connected components (≥ 150 px) of each field's segmented twin, the dataset authors'
 * colour-threshold masks. Per class and overall (Benign + Early + Pre): recall (share of reference
 * cells whose centroid lies in a returned box), precision (share of boxes holding a reference
 * centroid) and boxes per field, on the val and test blocks of the new-patient split; `Pro` is
 * reported apart and left out of the overall, because its twins lost most cells (its reference
 * counts far fewer cells than the field holds). Also the C-NMC cells: the share given exactly one
 * box. `--fit` instead searches the locator's parameters on the TRAIN block (docs/CELLS.md).
 *
 *   deno task locator [--manifest runs/np/manifest.json] [--cnmc ../shared/data/cnmc_subset]
 *     [--out runs/np/locator.json] [--splits val,test] [--fit [--every 3]] [--limit N]
 *     [--feature F --threshold X --min-area N --split-depth X --open-radius N --close-radius N --max-cells N]
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { cliArgs, numberFlag, UsageError } from "./lib/run/cli.ts";

const USAGE = `Usage: deno task locator [options]
  (node --import tsx scripts/measure_locator.ts …)
  --manifest FILE     the split manifest (runs/np/manifest.json); twins: segmented/ beside original/
  --cnmc DIR          the C-NMC cells folder with manifest.csv (/work/shared/data/cnmc_subset; "" to skip)
  --out FILE          the JSON report (runs/np/locator.json; with --fit: runs/np/locator_fit.json)
  --splits LIST       blocks to report on (val,test)
  --fit               search the parameters on the train block instead, print the best
  --every N           with --fit: every N-th train field (3)
  --limit N           at most N fields per block
  --ref-level N       a twin pixel is a cell pixel from this brightest-channel value, 0–255 (40)
  --ref-min-area N    least area of a reference cell (150)
 Locator parameters (default: the committed defaults, DEFAULT_LOCATE_OPTIONS):
  --feature F         haematoxylin | blueMinusGreen | saturation
  --threshold X       --min-area N   --split-depth X   --open-radius N   --close-radius N   --max-cells N`;

const SPEC = {
  name: "measure_locator.ts",
  usage: USAGE,
  example: "deno task locator --splits val\ndeno task locator --fit --every 6",
  options: {
    manifest: { type: "string", default: "runs/np/manifest.json" },
    cnmc: { type: "string", default: "/work/shared/data/cnmc_subset" },
    out: { type: "string" },
    splits: { type: "string", default: "val,test" },
    fit: { type: "boolean", default: false },
    every: { type: "string" },
    limit: { type: "string" },
    "ref-level": { type: "string" },
    "ref-min-area": { type: "string" },
    feature: { type: "string" },
    threshold: { type: "string" },
    "min-area": { type: "string" },
    "split-depth": { type: "string" },
    "open-radius": { type: "string" },
    "close-radius": { type: "string" },
    "max-cells": { type: "string" },
  },
} as const;

const args = cliArgs(SPEC, (v) => {
  const splits = v.splits!.split(",").map((s) => s.trim());
  for (const s of splits) {
    if (!["train", "val", "test"].includes(s)) throw new UsageError(`--splits: unknown block "${s}"`);
  }
  const features = ["haematoxylin", "blueMinusGreen", "saturation"];
  if (v.feature !== undefined && !features.includes(v.feature)) {
    throw new UsageError(`--feature must be one of ${features.join(", ")}, got "${v.feature}"`);
  }
  const opt = (value: string | undefined, flag: string, integer = false) =>
    value === undefined ? undefined : numberFlag(value, flag, { integer, min: 0 });
  const locate = Object.fromEntries(
    Object.entries({
      feature: v.feature,
      threshold: v.threshold === undefined ? undefined : numberFlag(v.threshold, "threshold"),
      minArea: opt(v["min-area"], "min-area", true),
      splitDepth: opt(v["split-depth"], "split-depth"),
      openRadius: opt(v["open-radius"], "open-radius", true),
      closeRadius: opt(v["close-radius"], "close-radius", true),
      maxCells: opt(v["max-cells"], "max-cells", true),
    }).filter(([, x]) => x !== undefined),
  );
  return {
    manifest: v.manifest!,
    cnmc: v.cnmc!,
    out: v.out ?? (v.fit ? "runs/np/locator_fit.json" : "runs/np/locator.json"),
    splits: splits as ("train" | "val" | "test")[],
    fit: v.fit!,
    every: numberFlag(v.every, "every", { integer: true, min: 1, fallback: 3 }),
    limit: v.limit === undefined ? undefined : numberFlag(v.limit, "limit", { integer: true, min: 1 }),
    ref: {
      level: numberFlag(v["ref-level"], "ref-level", { min: 0, max: 255, fallback: 40 }),
      minArea: numberFlag(v["ref-min-area"], "ref-min-area", { integer: true, min: 1, fallback: 150 }),
    },
    locate,
  };
});

const { DEFAULT_LOCATE_OPTIONS, floatRgbOf, locateCells } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { loadCnmc, loadFields } = await import("./lib/cells/fields.ts");
const { addCounts, matchField, metricsOf, ZERO_COUNTS } = await import("./lib/cells/match.ts");
type Field = import("./lib/cells/fields.ts").Field;
type LocateOptions = import("../model/core/mod.ts").LocateOptions;
type MatchCounts = import("./lib/cells/match.ts").MatchCounts;

/** Classes whose twins are a usable reference; Pro is reported apart. */
const REFERENCE_CLASSES = ["Benign", "Early", "Pre"];

function measure(fields: Field[], opts: Partial<LocateOptions>) {
  const perClass = new Map<string, MatchCounts>();
  let capped = 0;
  for (const f of fields) {
    const result = locateCells(floatRgbOf(f.image), opts);
    if (result.capped) capped++;
    perClass.set(f.subtype, addCounts(perClass.get(f.subtype) ?? ZERO_COUNTS, matchField(result.boxes, f.reference)));
  }
  let overall: MatchCounts = ZERO_COUNTS;
  for (const c of REFERENCE_CLASSES) overall = addCounts(overall, perClass.get(c) ?? ZERO_COUNTS);
  const classes = Object.fromEntries([...perClass.entries()].sort().map(([k, v]) => [k, metricsOf(v)]));
  return { overall: metricsOf(overall), classes, capped };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);
function table(title: string, m: ReturnType<typeof measure>): string {
  const rows = [`${title}`, "  class      fields  ref/field  boxes/field  recall  precision"];
  const line = (name: string, x: ReturnType<typeof metricsOf>) =>
    `  ${name.padEnd(10)} ${String(x.fields).padStart(6)}  ${x.referencePerField.toFixed(2).padStart(9)}  ${
      x.boxesPerField.toFixed(2).padStart(11)
    } ${pct(x.recall)}  ${pct(x.precision)}`;
  for (const [k, v] of Object.entries(m.classes)) {
    rows.push(line(k, v) + (k === "Pro" ? "  (reference lost most cells; not in overall)" : ""));
  }
  rows.push(line("overall", m.overall) + "  (Benign+Early+Pre)");
  return rows.join("\n");
}

const manifest = await readSplitManifest(args.manifest);
await mkdir(dirname(args.out), { recursive: true });

if (args.fit) {
  const train = await loadFields(manifest, "train", args.ref, { every: args.every, limit: args.limit });
  const ref = train.filter((f) => REFERENCE_CLASSES.includes(f.subtype));
  console.log(`fit on ${ref.length} train fields (every ${args.every}-th; Pro left out)`);
  // The rule: the highest precision among settings whose recall is at least RECALL_FLOOR (the
  // 90% target plus a margin); the highest F1 when none reaches it.
  const RECALL_FLOOR = 0.93;
  type Tried = {
    options: Partial<LocateOptions>;
    recall: number;
    precision: number;
    f1: number;
    boxesPerField: number;
  };
  const tried: Tried[] = [];
  const better = (a: Tried, b: Tried | undefined) => {
    if (!b) return true;
    const aOk = a.recall >= RECALL_FLOOR, bOk = b.recall >= RECALL_FLOOR;
    if (aOk !== bOk) return aOk;
    return aOk ? a.precision > b.precision : a.f1 > b.f1;
  };
  let best: Tried | undefined;
  const run = (o: Partial<LocateOptions>) => {
    const m = measure(ref, o).overall;
    const t = { options: o, recall: m.recall, precision: m.precision, f1: m.f1, boxesPerField: m.boxesPerField };
    tried.push(t);
    console.log(
      `  ${JSON.stringify(o)}  recall ${pct(m.recall)}  precision ${pct(m.precision)}  F1 ${m.f1.toFixed(4)}`,
    );
    if (better(t, best)) best = t;
  };
  // stage 1: the feature and its threshold, other parameters at their defaults
  const grids: Record<string, number[]> = {
    haematoxylin: [0.2, 0.25, 0.3, 0.35, 0.4],
    blueMinusGreen: [0.1, 0.15, 0.18, 0.22, 0.26, 0.3, 0.35],
    saturation: [0.28, 0.32, 0.38, 0.45, 0.52],
  };
  for (const [feature, thresholds] of Object.entries(grids)) {
    for (const threshold of thresholds) run({ feature: feature as LocateOptions["feature"], threshold });
  }
  // stage 2: morphology, splitting and minimum area around the best feature and threshold
  const stage1 = best!.options;
  for (const openRadius of [1, 2]) {
    for (const closeRadius of [1, 2]) {
      for (const splitDepth of [2, 3, 4, 5]) {
        for (const minArea of [100, 150, 200]) run({ ...stage1, openRadius, closeRadius, splitDepth, minArea });
      }
    }
  }
  // stage 3: the threshold again, with the chosen morphology
  const stage2 = best!.options;
  for (const delta of [-0.06, -0.03, 0.03, 0.06]) {
    run({ ...stage2, threshold: Math.round((stage2.threshold! + delta) * 1000) / 1000 });
  }
  const chosen = { ...DEFAULT_LOCATE_OPTIONS, ...best!.options };
  console.log(`best on train (recall ≥ ${RECALL_FLOOR}, then precision): ${JSON.stringify(best)}`);
  console.log(table("train (fit subset), best", measure(train, chosen)));
  await writeFile(
    args.out,
    JSON.stringify(
      {
        fields: train.length,
        every: args.every,
        reference: args.ref,
        rule: `max precision with recall ≥ ${RECALL_FLOOR}`,
        best: chosen,
        tried,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`wrote ${args.out}`);
} else {
  const options = { ...DEFAULT_LOCATE_OPTIONS, ...args.locate };
  const report: Record<string, unknown> = {
    created: new Date().toISOString(),
    manifest: args.manifest,
    options,
    reference: {
      ...args.ref,
      classes: REFERENCE_CLASSES,
      note: "Pro twins lost most cells: Pro is reported apart, not in overall",
    },
  };
  for (const split of args.splits) {
    const fields = await loadFields(manifest, split, args.ref, { limit: args.limit });
    const m = measure(fields, options);
    report[split] = m;
    console.log(table(`${split} (${fields.length} fields; capped ${m.capped})`, m));
  }
  if (args.cnmc) {
    const cells = await loadCnmc(args.cnmc);
    const counts = cells.map((c) => locateCells(floatRgbOf(c.image), options).boxes.length);
    const one = counts.filter((k) => k === 1).length;
    report.cnmc = {
      cells: cells.length,
      exactlyOne: one,
      share: one / cells.length,
      counts: Object.fromEntries(
        [...new Set(counts)].sort().map((k) => [k, counts.filter((x) => x === k).length]),
      ),
    };
    console.log(`C-NMC: ${one}/${cells.length} cells given exactly one box (${pct(one / cells.length).trim()})`);
  }
  await writeFile(args.out, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${args.out}`);
}
