/**
 * Exploratory report of a prepared dataset: counts and class balance per split, sample montages and
 * mean images per class, per-image size and colour statistics (with how well colour alone
 * separates the classes). Writes PNGs, `eda.json` and a self-contained `index.html` to --out.
 *
 * Usage:
 *   tsx scripts/report_eda.ts --manifest runs/taleqani/manifest.json --out runs/taleqani/eda
 *     [--samples 16] [--tile 96] [--max-per-class N] [--root /path/to/dataset]
 *     [--colour-baseline runs/taleqani/colour_baseline/eval.json]
 * The colour baseline's eval.json (scripts/colour_baseline.ts) is picked up from
 * <manifest folder>/colour_baseline/eval.json when present and quoted in the colour caveat.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { readSplitManifest } from "./lib/data/split_manifest.ts";
import { buildEdaReport, type EdaOptions } from "./lib/report/eda.ts";

const USAGE =
  "usage: tsx scripts/report_eda.ts --manifest runs/x/manifest.json --out runs/x/eda [--samples 16] [--tile 96] [--max-per-class N] [--root DIR] [--colour-baseline F]";

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${name} must be a positive integer, got ${v}\n${USAGE}`);
  return n;
}

/** Test AUROC of the colour baseline's eval.json; undefined when absent (an error when `required`). */
async function readColourBaseline(file: string, required: boolean): Promise<EdaOptions["colourBaseline"]> {
  let ev: { metrics?: { test?: { metrics?: { auroc?: { value: number; ci95?: [number, number] } } } } };
  try {
    ev = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    if (required) throw new Error(`cannot read --colour-baseline ${file}: ${(err as Error).message}`);
    return undefined;
  }
  const a = ev.metrics?.test?.metrics?.auroc;
  if (!a || typeof a.value !== "number") {
    if (required) throw new Error(`${file} has no metrics.test.metrics.auroc; is it an eval.json?`);
    return undefined;
  }
  return { auroc: a.value, ...(a.ci95 ? { ci95: a.ci95 } : {}), source: `colour baseline, ${file}` };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      manifest: { type: "string" },
      out: { type: "string" },
      samples: { type: "string" },
      tile: { type: "string" },
      "max-per-class": { type: "string" },
      root: { type: "string" },
      "colour-baseline": { type: "string" },
    },
  });
  if (!values.manifest || !values.out) throw new Error(`--manifest and --out are required\n${USAGE}`);
  const manifest = await readSplitManifest(values.manifest);
  if (values.root) manifest.root = values.root;
  const baselineFile = values["colour-baseline"] ?? join(dirname(values.manifest), "colour_baseline", "eval.json");
  const colourBaseline = await readColourBaseline(baselineFile, values["colour-baseline"] !== undefined);
  const r = await buildEdaReport(manifest, {
    colourBaseline,
    outDir: values.out,
    manifestPath: values.manifest,
    samplesPerClass: positiveInt("samples", values.samples),
    tile: positiveInt("tile", values.tile),
    maxPerClass: positiveInt("max-per-class", values["max-per-class"]),
    log: (m) => console.error(m),
  });
  const best = r.separability[0];
  if (best) {
    console.log(`strongest single colour statistic: ${best.stat}, AUROC all vs normal ${best.separation.toFixed(3)}`);
  }
  console.log(`wrote ${r.files.length} files; open ${r.html}`);
}

main().catch((err) => {
  console.error(`report_eda: ${(err as Error).message}`);
  process.exit(1);
});
