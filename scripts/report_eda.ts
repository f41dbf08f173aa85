/**
 * Exploratory report of a prepared dataset: counts and class balance per split, sample montages and
 * mean images per class, per-image size and colour statistics (with how well colour alone
 * separates the classes). Writes PNGs, `eda.json` and a self-contained `index.html` to --out.
 *
 *   deno task report:eda --manifest runs/taleqani/manifest.json --out runs/taleqani/eda
 *     [--samples 16] [--tile 96] [--max-per-class N] [--root /path/to/dataset]
 *     [--colour-baseline runs/taleqani/colour_baseline/eval.json]
 * The colour baseline's eval.json (scripts/colour_baseline.ts) is picked up from
 * <manifest folder>/colour_baseline/eval.json when present and quoted in the colour caveat.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { cliArgs, numberFlag } from "./lib/run/cli.ts";
import type { EdaOptions } from "./lib/report/eda.ts";

const USAGE = `Usage: deno task report:eda --manifest <manifest.json> --out <folder> [options]
  (node --import tsx scripts/report_eda.ts …)
  --manifest FILE         the split manifest of the dataset
  --out DIR               where index.html, eda.json and the PNGs go
  --samples N             sample images per class in the montages (16)
  --tile N                montage tile side in pixels (96)
  --max-per-class N       at most N images per class for the statistics (all)
  --root DIR              the dataset's folder, when it moved since the manifest was written
  --colour-baseline FILE  the colour baseline's eval.json (default <manifest folder>/colour_baseline/eval.json
                          when present), quoted in the colour caveat`;

const args = cliArgs({
  name: "report_eda.ts",
  usage: USAGE,
  example: "deno task report:eda --manifest runs/np/manifest.json --out runs/np/eda",
  options: {
    manifest: { type: "string" },
    out: { type: "string" },
    samples: { type: "string" },
    tile: { type: "string" },
    "max-per-class": { type: "string" },
    root: { type: "string" },
    "colour-baseline": { type: "string" },
  },
  required: ["manifest", "out"],
}, (v) => {
  const positiveInt = (flag: string, value: string | undefined) =>
    value === undefined ? undefined : numberFlag(value, flag, { integer: true, min: 1 });
  return {
    ...v,
    manifest: v.manifest!,
    out: v.out!,
    samples: positiveInt("samples", v.samples),
    tile: positiveInt("tile", v.tile),
    maxPerClass: positiveInt("max-per-class", v["max-per-class"]),
  };
});

const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { buildEdaReport } = await import("./lib/report/eda.ts");

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
  const values = args;
  const manifest = await readSplitManifest(values.manifest);
  if (values.root) manifest.root = values.root;
  const baselineFile = values["colour-baseline"] ?? join(dirname(values.manifest), "colour_baseline", "eval.json");
  const colourBaseline = await readColourBaseline(baselineFile, values["colour-baseline"] !== undefined);
  const r = await buildEdaReport(manifest, {
    colourBaseline,
    outDir: values.out,
    manifestPath: values.manifest,
    samplesPerClass: values.samples,
    tile: values.tile,
    maxPerClass: values.maxPerClass,
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
