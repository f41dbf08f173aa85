/**
 * The cell classifier's training data: every ORIGINAL field of a split manifest (segmented twins
 * are left out) → `locateCells` → `cropCell` for each located cell → one BMP per crop under
 * `--crops`, and a NEW split manifest (same format) whose items are the crops: label and subtype
 * from the field's class, group and split from the field (the new-patient split is kept exactly;
 * no block is on two sides), view `original`. Also a report with the crops of every field and the
 * counts per split and class.
 *
 *   deno task cells:crops [--manifest runs/np/manifest.json] [--crops runs/cells/crops]
 *     [--out runs/cells/manifest.json] [--report runs/cells/crops_report.json]
 *     [--splits train,val,test] [--skip-subtypes Pro] [--margin 0.2] [--limit N]
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { cliArgs, numberFlag, stepFailed, UsageError } from "./lib/run/cli.ts";
import type { Split } from "./lib/data/split_manifest.ts";

const USAGE = `Usage: deno task cells:crops [options]
  (node --import tsx scripts/make_cell_crops.ts …)
  --manifest FILE       the fields' split manifest (runs/np/manifest.json)
  --crops DIR           where the crop images go, one BMP per cell (runs/cells/crops)
  --out FILE            the crops' split manifest (runs/cells/manifest.json)
  --report FILE         crops per field and per split and class (runs/cells/crops_report.json)
  --splits LIST         blocks to crop (train,val,test)
  --skip-subtypes LIST  classes to leave out, e.g. Pro (none)
  --margin X            cropCell's margin: share of the box's longer side on each side (0.2)
  --limit N             at most N fields per block, spread evenly (quick runs)
Crops are made exactly as the service makes them: decode → floatRgbOf → locateCells (the
committed defaults) → cropCell (square, centred, the cell's own pixels on black). Next: deno task train
--manifest runs/cells/manifest.json.`;

const args = cliArgs({
  name: "make_cell_crops.ts",
  usage: USAGE,
  example:
    "deno task cells:crops\ndeno task cells:crops --splits val --limit 20 --out runs/cells/try/manifest.json \\\n" +
    "  --crops runs/cells/try/crops --report runs/cells/try/crops_report.json",
  options: {
    manifest: { type: "string", default: "runs/np/manifest.json" },
    crops: { type: "string", default: "runs/cells/crops" },
    out: { type: "string", default: "runs/cells/manifest.json" },
    report: { type: "string", default: "runs/cells/crops_report.json" },
    splits: { type: "string", default: "train,val,test" },
    "skip-subtypes": { type: "string", default: "" },
    margin: { type: "string" },
    limit: { type: "string" },
  },
}, (v) => {
  const splits = v.splits!.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of splits) {
    if (!["train", "val", "test"].includes(s)) throw new UsageError(`--splits: unknown block "${s}"`);
  }
  if (splits.length === 0) throw new UsageError("--splits must name at least one of train, val, test");
  return {
    manifest: v.manifest!,
    crops: v.crops!,
    out: v.out!,
    report: v.report!,
    splits: splits as Split[],
    skip: v["skip-subtypes"]!.split(",").map((s) => s.trim()).filter(Boolean),
    margin: numberFlag(v.margin, "margin", { min: 0, max: 2, fallback: 0.2 }),
    limit: v.limit === undefined ? undefined : numberFlag(v.limit, "limit", { integer: true, min: 1 }),
  };
});

const { DEFAULT_LOCATE_OPTIONS } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { buildCropManifest, cropCounts, cropSourceFields, formatCropCounts } = await import(
  "./lib/cells/crops.ts"
);
const { writeFieldCrops } = await import("./lib/cells/make_crops.ts");
type ManifestItem = import("./lib/data/split_manifest.ts").ManifestItem;

/** An even subsample of at most `limit` per split, in manifest order. */
function limitPerSplit(items: ManifestItem[], limit: number | undefined): ManifestItem[] {
  if (limit === undefined) return items;
  const out: ManifestItem[] = [];
  for (const split of ["train", "val", "test"] as const) {
    const of = items.filter((i) => i.split === split);
    const n = Math.min(limit, of.length);
    for (let k = 0; k < n; k++) out.push(of[Math.floor((k * of.length) / n)]);
  }
  return out;
}

async function main(): Promise<void> {
  const source = await readSplitManifest(args.manifest);
  const fields = limitPerSplit(
    cropSourceFields(source.items, { splits: args.splits, skipSubtypes: args.skip }),
    args.limit,
  );
  if (fields.length === 0) {
    throw new UsageError(`no original fields in ${args.splits.join(",")} of ${args.manifest} (check --splits)`);
  }
  const root = resolve(args.crops);
  console.error(`cropping the cells of ${fields.length} fields into ${root}…`);
  const started = Date.now();
  const results = await writeFieldCrops(fields, {
    sourceRoot: source.root,
    outDir: root,
    crop: { margin: args.margin },
    progress: (done) => {
      if (done % 250 === 0) {
        console.error(`  ${done}/${fields.length} fields (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    },
  });
  const skipped = Object.fromEntries(args.skip.map((s) => [s, "--skip-subtypes"]));
  const manifest = buildCropManifest(source, results, {
    root,
    created: new Date().toISOString(),
    how: `locateCells with its defaults (${DEFAULT_LOCATE_OPTIONS.feature} ≥ ${DEFAULT_LOCATE_OPTIONS.threshold}, ` +
      `least area ${DEFAULT_LOCATE_OPTIONS.minArea} px, at most ${DEFAULT_LOCATE_OPTIONS.maxCells} cells) + ` +
      `cropCell margin ${args.margin}`,
    skipped,
  });
  const counts = cropCounts(results);
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, JSON.stringify(manifest, null, 1) + "\n");
  await mkdir(dirname(args.report), { recursive: true });
  await writeFile(
    args.report,
    JSON.stringify(
      {
        kind: "cell-crops",
        created: manifest.created,
        source: { manifest: args.manifest, dataset: source.dataset, root: source.root },
        crops: { manifest: args.out, root, margin: args.margin, locate: DEFAULT_LOCATE_OPTIONS },
        splits: args.splits,
        skipped,
        counts,
        fields: results.map((r) => ({
          path: r.field.path,
          split: r.field.split,
          subtype: r.field.subtype ?? r.field.label,
          group: r.field.group,
          crops: r.crops.length,
          found: r.found,
          capped: r.capped,
          background: r.background,
          sides: r.crops.map((c) => c.side),
        })),
      },
      null,
      1,
    ) + "\n",
  );
  console.log(formatCropCounts(counts));
  const empty = results.filter((r) => r.crops.length === 0).length;
  console.log(
    `${manifest.items.length} crops from ${results.length} fields (${empty} with no cell) in ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s\nwrote ${args.out} and ${args.report}`,
  );
}

main().catch(stepFailed("make_cell_crops"));
