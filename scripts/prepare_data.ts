/**
 * Writes the split manifest of a downloaded dataset folder.
 *
 *   deno task prepare --dataset <folder> --out runs/<name>/manifest.json
 *     [--kind cnmc|taleqani|folders|auto] [--seed 1] [--val 0.15] [--test 0.15]
 *     [--block 20] [--holdout highest|interleaved] [--fold K/N] [--map all=all,hem=normal]
 *     [--thin normal=0.5 [--thin-by blocks|files] [--thin-seed 1]]
 *
 * `--help` lists the options.
 *
 * @module
 */
import { cliArgs, numberFlag, UsageError } from "./lib/run/cli.ts";
import { type Fold, parseFold } from "./lib/data/fold.ts";
import type { ThinOptions } from "./lib/data/thin.ts";

function foldFlag(text: string): Fold {
  try {
    return parseFold(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const USAGE = `Usage: deno task prepare --dataset <folder> --out <manifest.json> [options]
  (node --import tsx scripts/prepare_data.ts …)
  --dataset DIR        the unpacked dataset (C-NMC, Taleqani, or class folders)
  --out FILE           the split manifest to write, e.g. runs/<name>/manifest.json
  --kind K             cnmc | taleqani | folders | auto (auto: recognised from the folder layout)
  --seed N             split seed (1)
  --val X  --test X    shares of the validation and test splits (0.15, 0.15)
  --block N            file-number block size kept on one side of a split (20)
  --holdout H          highest | interleaved: which blocks are held out (taleqani/folders: highest;
                       cnmc: interleaved) — highest holds the highest file numbers out as new patients
  --fold K/N           blocked cross-validation (highest only): the same test block; val = the K-th of
                       N contiguous parts of the rest, counting down from test; --val is not used.
                       N manifests (K = 1…N) score every non-test image out of fold (deno task folds)
  --map A=all,B=normal class folders → labels (default all=all,normal=normal,hem=normal,benign=normal)
  --thin LABEL=X       a learning curve: keep the share X of one class's training side (val and test
                       untouched), e.g. --thin normal=0.5
  --thin-by B          blocks (whole file-number blocks or subjects: fewer patients) or files (every
                       block, fewer of its files: as many images, the same patients) (blocks)
  --thin-seed N        which blocks or files are kept (1)
Prints the counts per split and class. Next: deno task train.`;

/** `--thin normal=0.5 --thin-by files --thin-seed 2` → the thinning's options. */
function thinFlag(thin: string, by = "blocks", seed?: string): ThinOptions {
  const m = /^(all|normal)=([0-9.]+)$/.exec(thin);
  const fraction = m ? Number(m[2]) : NaN;
  if (!m || !(fraction > 0 && fraction <= 1)) {
    throw new UsageError(`--thin must be LABEL=X with LABEL all or normal and 0 < X ≤ 1, got "${thin}"`);
  }
  if (by !== "blocks" && by !== "files") throw new UsageError(`--thin-by must be blocks or files, got "${by}"`);
  return {
    label: m[1] as ThinOptions["label"],
    fraction,
    by,
    seed: numberFlag(seed, "thin-seed", { integer: true, fallback: 1 }),
  };
}

const KINDS = ["auto", "cnmc", "taleqani", "folders"] as const;
const HOLDOUTS = ["highest", "interleaved"] as const;

const args = cliArgs({
  name: "prepare_data.ts",
  usage: USAGE,
  example: "deno task prepare --dataset ~/data/taleqani_all --out runs/taleqani/manifest.json",
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
    fold: { type: "string" },
    thin: { type: "string" },
    "thin-by": { type: "string" },
    "thin-seed": { type: "string" },
  },
  required: ["dataset", "out"],
}, (v) => {
  if (!(KINDS as readonly string[]).includes(v.kind!)) {
    throw new UsageError(`--kind must be ${KINDS.join(", ")}, got "${v.kind}"`);
  }
  if (v.fold !== undefined && v.val !== undefined) {
    throw new UsageError(`--fold ${v.fold} makes val one part of the non-test blocks; leave out --val`);
  }
  if (v.holdout !== undefined && !(HOLDOUTS as readonly string[]).includes(v.holdout)) {
    throw new UsageError(`--holdout must be highest or interleaved, got "${v.holdout}"`);
  }
  if ((v["thin-by"] !== undefined || v["thin-seed"] !== undefined) && v.thin === undefined) {
    throw new UsageError("--thin-by and --thin-seed go with --thin LABEL=X");
  }
  return {
    dataset: v.dataset!,
    out: v.out!,
    kind: v.kind as (typeof KINDS)[number],
    holdout: v.holdout as (typeof HOLDOUTS)[number] | undefined,
    fold: v.fold === undefined ? undefined : foldFlag(v.fold),
    seed: numberFlag(v.seed, "seed", { integer: true, fallback: 1 }),
    val: numberFlag(v.val, "val", { min: 0, max: 1, fallback: 0.15 }),
    test: numberFlag(v.test, "test", { min: 0, max: 1, fallback: 0.15 }),
    blockSize: numberFlag(v.block, "block", { integer: true, min: 1, fallback: 20 }),
    map: v.map,
    thin: v.thin === undefined ? undefined : thinFlag(v.thin, v["thin-by"], v["thin-seed"]),
  };
});

const { mkdir, writeFile } = await import("node:fs/promises");
const { dirname } = await import("node:path");
const { formatCountTable } = await import("./lib/data/counts.ts");
const { parseClassMap } = await import("./lib/data/folders.ts");
const { prepareDataset } = await import("./lib/data/prepare.ts");
const { thinTraining } = await import("./lib/data/thin.ts");

async function main(): Promise<void> {
  const values = args;
  const prepared = await prepareDataset(values.dataset, {
    holdout: values.holdout,
    fold: values.fold,
    kind: values.kind,
    seed: values.seed,
    val: values.val,
    test: values.test,
    blockSize: values.blockSize,
    classMap: values.map ? parseClassMap(values.map) : undefined,
  });
  const manifest = values.thin ? thinTraining(prepared, values.thin) : prepared;
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
