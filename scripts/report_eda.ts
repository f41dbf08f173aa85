/**
 * Exploratory report of a prepared dataset: counts and class balance per split, sample montages and
 * mean images per class, per-image size and colour statistics (with how well colour alone
 * separates the classes). Writes PNGs, `eda.json` and a self-contained `index.html` to --out.
 *
 * Usage:
 *   tsx scripts/report_eda.ts --manifest runs/taleqani/manifest.json --out runs/taleqani/eda
 *     [--samples 16] [--tile 96] [--max-per-class N] [--root /path/to/dataset]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readSplitManifest } from "./lib/data/split_manifest.ts";
import { buildEdaReport } from "./lib/report/eda.ts";

const USAGE =
  "usage: tsx scripts/report_eda.ts --manifest runs/x/manifest.json --out runs/x/eda [--samples 16] [--tile 96] [--max-per-class N] [--root DIR]";

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${name} must be a positive integer, got ${v}\n${USAGE}`);
  return n;
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
    },
  });
  if (!values.manifest || !values.out) throw new Error(`--manifest and --out are required\n${USAGE}`);
  const manifest = await readSplitManifest(values.manifest);
  if (values.root) manifest.root = values.root;
  const r = await buildEdaReport(manifest, {
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
