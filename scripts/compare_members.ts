/**
 * Which trained runs to combine, and with what weights: every candidate combination scored under
 * the shift suite on one split (validation) from its members' raw logits, before any ensemble
 * graph is built (`scripts/lib/run/member_combos.ts` says how). Each run's float ONNX model scores
 * every image under every shift once; the logits are cached (`--cache`), so adding a run or trying
 * weights scores only what is new.
 *
 *   deno task combos --runs runs/np/wbzoom,runs/np/grey,runs/np/grey_s2 --manifest runs/np/manifest.json
 *     [--split val] [--cache runs/np/combos-val.json] [--combo "wbzoom*2+grey"]… [--shifts identity,magnification]
 *     [--limit N] [--out report.json]
 *
 * Without `--combo`, every combination of the runs with equal weights. No input-domain check: the
 * chosen combination goes through `deno task pipeline --members` and its suite step for that.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { cliArgs, numberFlag, StepError, stepFailed, UsageError } from "./lib/run/cli.ts";

const USAGE = `Usage: deno task combos --runs A,B,… --manifest <manifest.json> [options]
  (node --import tsx scripts/compare_members.ts …)
  --runs A,B,…       trained run folders (model.float.onnx, preprocess.json, onnx_export.json, eval.json)
  --manifest FILE    the split manifest
  --split S          train | val | test (val: choose on validation, never on test)
  --combo SPEC       (repeatable) a combination: run names or last path segments joined by +, each
                     with an optional weight, e.g. "wbzoom*2+grey+grey_s2", or "max:A+B" for the
                     largest calibrated logit instead of the mean (default: every combination,
                     equal weights)
  --rule mean|max    the rule of the default combinations (mean)
  --shifts A,B       only these shifts or families (default: the whole suite; identity is always first)
  --limit N          at most N images of the split
  --cache FILE       the members' logits: read where the model and images match, written after scoring
  --out FILE         the reports as JSON
Prints one line per combination, fewest ALL answered normal (summed over the shifts) first.`;

const args = cliArgs({
  name: "compare_members.ts",
  usage: USAGE,
  example: "deno task combos --runs runs/np/wbzoom,runs/np/grey,runs/np/grey_s2 --manifest runs/np/manifest.json \\\n" +
    "  --cache runs/np/combos-val.json",
  options: {
    runs: { type: "string" },
    manifest: { type: "string" },
    split: { type: "string", default: "val" },
    combo: { type: "string", multiple: true },
    rule: { type: "string", default: "mean" },
    shifts: { type: "string" },
    limit: { type: "string" },
    cache: { type: "string" },
    out: { type: "string" },
  },
  required: ["runs", "manifest"],
}, (v) => {
  if (!["mean", "max"].includes(v.rule!)) throw new UsageError(`--rule must be mean or max, got "${v.rule}"`);
  if (!["train", "val", "test"].includes(v.split!)) {
    throw new UsageError(`--split must be train, val or test, got "${v.split}"`);
  }
  const runs = v.runs!.split(",").map((r) => r.trim().replace(/\/+$/, "")).filter(Boolean);
  if (runs.length === 0) throw new UsageError("--runs needs at least one run folder");
  return {
    ...v,
    runs,
    limit: v.limit === undefined ? undefined : numberFlag(v.limit, "limit", { integer: true, min: 1 }),
  };
});

const { sha256Hex } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { allCombos, answerCombo, formatComboTable, parseCombo } = await import("./lib/run/member_combos.ts");
const { scoreUnderShifts } = await import("./lib/run/shift_logits.ts");
const { readRunJson, runPath } = await import("./lib/run/run_folder.ts");
const { loadImages, selectItems } = await import("./lib/shift/load.ts");
const { selectSuite, SHIFT_SUITE } = await import("./lib/shift_suite/suite.ts");

/** The cache file: per run, the model it scored and its logits per shift; the images it scored. */
interface Cache {
  images: string;
  runs: Record<string, { model: string; byShift: Record<string, number[]> }>;
}

async function main(): Promise<void> {
  const manifest = await readSplitManifest(args.manifest!);
  const items = selectItems(manifest, { split: args.split as "val", ...(args.limit ? { limit: args.limit } : {}) });
  const positive = items.map((i) => i.label === "all");
  if (positive.every(Boolean) || !positive.some(Boolean)) {
    throw new StepError(`the ${args.split} images need both labels to choose an operating point`);
  }
  const imagesKey = await sha256Hex(new TextEncoder().encode(items.map((i) => `${i.path}\t${i.label}`).join("\n")));
  const shifts = args.shifts ? selectSuite(args.shifts.split(",").map((s) => s.trim())) : [...SHIFT_SUITE];
  if (shifts[0]?.name !== "identity") shifts.unshift(SHIFT_SUITE.find((s) => s.name === "identity")!);

  const cached: Cache = args.cache && existsSync(args.cache)
    ? JSON.parse(await readFile(args.cache, "utf8"))
    : { images: imagesKey, runs: {} };
  if (cached.images !== imagesKey) cached.runs = {}; // other images: nothing reusable
  cached.images = imagesKey;

  const runs = await Promise.all(args.runs.map(async (run) => {
    const bytes = new Uint8Array(await readFile(runPath(run, "floatModel")));
    return {
      run,
      bytes,
      model: await sha256Hex(bytes),
      spec: await readRunJson(run, "preprocess"),
      io: (await readRunJson(run, "onnxExport")).io,
      temperature: (await readRunJson(run, "eval")).temperature,
    };
  }));
  for (const r of runs) {
    if (cached.runs[r.run]?.model !== r.model) cached.runs[r.run] = { model: r.model, byShift: {} };
  }
  const scored = await scoreUnderShifts(
    () => loadImages(manifest, items),
    runs.map((r) => ({ ...r, byShift: cached.runs[r.run].byShift })),
    shifts,
    { onShift: (name) => console.error(`scored ${name}`) },
  );
  if (scored > 0 && args.cache) {
    await mkdir(dirname(args.cache), { recursive: true });
    await writeFile(args.cache, JSON.stringify(cached));
  }

  const members = Object.fromEntries(
    runs.map((r) => [r.run, { temperature: r.temperature, byShift: cached.runs[r.run].byShift }]),
  );
  const names = runs.map((r) => r.run);
  const combos = args.combo?.length
    ? args.combo.map((c) => {
      try {
        return parseCombo(c, names);
      } catch (err) {
        throw new UsageError(`--combo: ${(err as Error).message}`);
      }
    })
    : allCombos(names).map((c) => (args.rule === "max" ? parseCombo(`max:${c.name}`, names) : c));
  const reports = combos.map((c) => answerCombo(c, members, positive, shifts.map((s) => s.name)));
  console.log(
    `${items.length} ${args.split} images (${positive.filter(Boolean).length} ALL), ${shifts.length - 1} shifts; ` +
      `operating point per combination on the unshifted images; no input-domain check`,
  );
  console.log(formatComboTable(reports));
  if (args.out) {
    await mkdir(dirname(args.out), { recursive: true });
    await writeFile(
      args.out,
      JSON.stringify({ kind: "member-combos", split: args.split, manifest: args.manifest, reports }, null, 1),
    );
  }
}

main().catch(stepFailed("compare_members"));
