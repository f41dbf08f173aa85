/**
 * Writes the split manifest of a downloaded dataset folder.
 *
 * Usage:
 *   tsx scripts/prepare_data.ts --dataset <folder> --out runs/<name>/manifest.json
 *     [--kind cnmc|taleqani|folders|auto] [--seed 1] [--val 0.15] [--test 0.15]
 *     [--block 20] [--holdout highest|interleaved] [--map all=all,hem=normal]
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { formatCountTable } from "./lib/data/counts.ts";
import { parseClassMap } from "./lib/data/folders.ts";
import { prepareDataset } from "./lib/data/prepare.ts";

const USAGE =
  "usage: tsx scripts/prepare_data.ts --dataset <folder> --out runs/<name>/manifest.json [--kind cnmc|taleqani|folders|auto] [--seed 1] [--val 0.15] [--test 0.15] [--block 20] [--holdout highest|interleaved] [--map all=all,hem=normal]";

function num(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dataset: { type: "string" },
      out: { type: "string" },
      kind: { type: "string", default: "auto" },
      seed: { type: "string" },
      val: { type: "string" },
      test: { type: "string" },
      block: { type: "string" },
      map: { type: "string" },
      holdout: { type: "string" },
    },
  });
  if (!values.dataset || !values.out) throw new Error(`--dataset and --out are required\n${USAGE}`);
  const kind = values.kind!;
  if (!["auto", "cnmc", "taleqani", "folders"].includes(kind)) {
    throw new Error(`--kind must be cnmc, taleqani, folders or auto\n${USAGE}`);
  }
  if (values.holdout !== undefined && values.holdout !== "highest" && values.holdout !== "interleaved") {
    throw new Error(`--holdout must be highest or interleaved, got "${values.holdout}"\n${USAGE}`);
  }
  const manifest = await prepareDataset(values.dataset, {
    holdout: values.holdout as "highest" | "interleaved" | undefined,
    kind: kind as "auto",
    seed: num(values.seed, "seed", 1),
    val: num(values.val, "val", 0.15),
    test: num(values.test, "test", 0.15),
    blockSize: num(values.block, "block", 20),
    classMap: values.map ? parseClassMap(values.map) : undefined,
  });
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, JSON.stringify(manifest, null, 1) + "\n");
  const why = new Map<string, number>();
  for (const d of manifest.dropped ?? []) why.set(d.reason, (why.get(d.reason) ?? 0) + 1);
  console.log(`${manifest.dataset}: ${manifest.root}\n${manifest.split.method}\n`);
  console.log(formatCountTable(manifest.counts));
  console.log(`\ndropped: ${[...why].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
  for (const w of manifest.warnings ?? []) console.warn(`warning: ${w}`);
  console.log(`wrote ${values.out}`);
}

main().catch((err) => {
  console.error(`prepare_data: ${(err as Error).message}`);
  process.exit(1);
});
