/**
 * Blocked cross-validation of one recipe: N runs trained on `deno task prepare --fold K/N`
 * manifests (K = 1…N), their out-of-fold val scores pooled (`scripts/lib/run/folds.ts` says how):
 * each fold read on its own block, as one val block would be read, and each answered with the
 * operating point fitted on the other folds, as new patients are. Never reads a test row.
 *
 *   deno task folds --runs runs/fold/f1/v5,runs/fold/f2/v5,runs/fold/f3/v5,runs/fold/f4/v5 \
 *     --manifests runs/fold/f1/manifest.json,runs/fold/f2/manifest.json,runs/fold/f3/manifest.json,runs/fold/f4/manifest.json \
 *     [--out report.json]
 *
 * An ensemble recipe's folds: each fold's members joined by `+` (`--runs f1/v5+f1/grey,f2/v5+f2/grey`),
 * combined as `deno task ensemble` combines them. The report's `refit.stopEpochs` (printed too) is
 * how long each member trains in a refit on every non-test image (`train --stop-epoch`): the median
 * of its folds' best epochs.
 *
 * `--shifts` reads the folds under the evaluation shift suite too (`poolShifted`): each member's
 * exported float model (`deno task export`) scores its fold's val images under every shift, and each
 * fold is answered at the point fitted on the other folds' unshifted scores. `--cache` keeps those
 * logits, so adding a member or re-reading with another rule scores nothing twice.
 *
 * @module
 */
import { cliArgs, numberFlag, StepError, stepFailed, UsageError } from "./lib/run/cli.ts";
import type { PredictionRow } from "./lib/metrics/predictions.ts";
import type { HistoryRow } from "./lib/train/loop.ts";

const USAGE = `Usage: deno task folds --runs A,B,… --manifests MA,MB,… [--out report.json]
  (node --import tsx scripts/pool_folds.ts …)
  --runs A,B,…       trained and evaluated runs (predictions.json, eval.json), one per fold; an
                     ensemble recipe's fold as its members joined by + (A1+A2,B1+B2,…: the same
                     number in every fold), combined as deno task ensemble combines them
  --manifests MA,…   each run's split manifest (deno task prepare --fold K/N), in the same order
  --target-sensitivity X, --band-sensitivity X, --band-specificity X
                     the operating point's rule for the reading across folds (0.99, 0.999, 0.99:
                     evaluate's); the own-block rows keep each run's evaluation
  --shifts all|A,B   also read the folds under the evaluation shift suite (all) or these shifts or
                     families: every member needs its float model (deno task export --run …)
  --cache FILE       the members' shifted logits: read where the model and images match, written after
  --recalibration    with --shifts: what deno task recalibrate buys a new lab: each fold's block a lab,
                     recalibrated on its earlier blocks, read on its later blocks (shipped → recalibrated)
  --versus B,B2,…    a second recipe read across the same folds (its runs, one per fold, + for members,
                     with the same manifests: its val blocks must be the same images; a training side
                     thinned by prepare --thin is fine): both pooled rows and the paired differences
                     B − A with one cluster bootstrap over the shared blocks
  --out FILE         the report as JSON
Prints one row per fold read on its own block, one per fold read across, and the pooled row; with
--shifts, one pooled row per shift (float, no input-domain check) and a summary line.`;

const args = cliArgs({
  name: "pool_folds.ts",
  usage: USAGE,
  example:
    "deno task folds --runs runs/fold/f1/v5,runs/fold/f2/v5 --manifests runs/fold/f1/manifest.json,runs/fold/f2/manifest.json",
  options: {
    runs: { type: "string" },
    manifests: { type: "string" },
    out: { type: "string" },
    shifts: { type: "string" },
    cache: { type: "string" },
    recalibration: { type: "boolean", default: false },
    versus: { type: "string" },
    "target-sensitivity": { type: "string" },
    "band-sensitivity": { type: "string" },
    "band-specificity": { type: "string" },
  },
  required: ["runs", "manifests"],
}, (v) => {
  const list = (s: string) => s.split(",").map((r) => r.trim().replace(/\/+$/, "")).filter(Boolean);
  const recipe = (flag: string, text: string) => {
    const runs = list(text).map((r) => r.split("+").map((m) => m.trim().replace(/\/+$/, "")));
    const bad = runs.find((r) => r.some((m) => !m) || r.length !== runs[0].length);
    if (bad) {
      throw new UsageError(
        `${flag}: every fold needs the same number of members joined by + (${runs[0].length}); got "${bad.join("+")}"`,
      );
    }
    return runs;
  };
  const runs = recipe("--runs", v.runs!);
  const manifests = list(v.manifests!);
  if (runs.length < 2) throw new UsageError(`--runs needs one run per fold, at least 2; got ${runs.length}`);
  if (manifests.length !== runs.length) {
    throw new UsageError(`--manifests needs one manifest per run (${runs.length}), got ${manifests.length}`);
  }
  const versus = v.versus === undefined ? undefined : recipe("--versus", v.versus);
  if (versus && versus.length !== runs.length) {
    throw new UsageError(`--versus needs one run per fold, as --runs (${runs.length}); got ${versus.length}`);
  }
  if (versus && v.shifts) throw new UsageError("--versus compares the unshifted readings: leave out --shifts");
  const rate = (name: string, fallback: number) =>
    numberFlag(v[name as "band-sensitivity"], name, { min: 0.5, max: 1, fallback });
  if (v.cache && !v.shifts) throw new UsageError("--cache keeps shifted logits: give --shifts too");
  if (v.recalibration && !v.shifts) {
    throw new UsageError(
      "--recalibration reads a lab under its acquisition: give --shifts too (identity alone: --shifts identity)",
    );
  }
  return {
    runs,
    versus,
    manifests,
    out: v.out,
    shifts: v.shifts?.split(",").map((s) => s.trim()).filter(Boolean),
    cache: v.cache,
    recalibration: v.recalibration === true,
    rule: {
      targetSensitivity: rate("target-sensitivity", 0.99),
      bandSensitivity: rate("band-sensitivity", 0.999),
      bandSpecificity: rate("band-specificity", 0.99),
    },
  };
});

const { mkdir, writeFile } = await import("node:fs/promises");
const { dirname } = await import("node:path");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { readRunJson } = await import("./lib/run/run_folder.ts");
const {
  bestEpochOf,
  compareFolds,
  formatDifference,
  formatFoldsTable,
  formatRecalibrationTable,
  formatShiftTable,
  poolFolds,
  poolRecalibrated,
  poolShifted,
  refitEpochs,
  refitValLoss,
  summarizeShifts,
} = await import("./lib/run/folds.ts");
type FoldScores = import("./lib/run/folds.ts").FoldScores;
type SplitManifest = import("./lib/data/split_manifest.ts").SplitManifest;

/** The members' shifted logits kept between runs: per run, the model and images it scored. */
interface ShiftCache {
  runs: Record<string, { model: string; images: string; byShift: Record<string, number[]> }>;
}

/**
 * Every fold's val rows under each shift, scored by each member's float ONNX model (rows in the
 * folds' order): `[shift][fold][row][member]`.
 */
async function shiftedLogits(
  folds: readonly FoldScores[],
  manifests: readonly SplitManifest[],
  names: readonly string[],
  cacheFile: string | undefined,
) {
  const { existsSync } = await import("node:fs");
  const { readFile } = await import("node:fs/promises");
  const { sha256Hex } = await import("../model/core/mod.ts");
  const { scoreUnderShifts } = await import("./lib/run/shift_logits.ts");
  const { runPath } = await import("./lib/run/run_folder.ts");
  const { loadImages } = await import("./lib/shift/load.ts");
  const { selectSuite, SHIFT_SUITE } = await import("./lib/shift_suite/suite.ts");
  const shifts = names.includes("all") ? [...SHIFT_SUITE] : selectSuite(names);
  if (shifts[0]?.name !== "identity") shifts.unshift(SHIFT_SUITE.find((s) => s.name === "identity")!);
  const cache: ShiftCache = cacheFile && existsSync(cacheFile)
    ? JSON.parse(await readFile(cacheFile, "utf8"))
    : { runs: {} };
  const out = shifts.map(() => folds.map((f) => f.rows.map(() => [] as number[])));
  for (const [k, fold] of folds.entries()) {
    const manifest = manifests[k];
    const itemOf = new Map(manifest.items.map((i) => [i.path, i]));
    const items = fold.rows.map((r) => itemOf.get(r.path)!);
    const images = await sha256Hex(new TextEncoder().encode(items.map((i) => `${i.path}\t${i.sha256}`).join("\n")));
    const members = await Promise.all(args.runs[k].map(async (run) => {
      const file = runPath(run, "floatModel");
      if (!existsSync(file)) {
        throw new StepError(`${run} has no ${file}: export it first (deno task export --run ${run} --manifest …)`);
      }
      const bytes = new Uint8Array(await readFile(file));
      const model = await sha256Hex(bytes);
      const entry = cache.runs[run];
      if (entry?.model !== model || entry.images !== images) cache.runs[run] = { model, images, byShift: {} };
      return {
        run,
        bytes,
        spec: await readRunJson(run, "preprocess"),
        io: (await readRunJson(run, "onnxExport")).io,
      };
    }));
    const scored = await scoreUnderShifts(
      () => loadImages(manifest, items),
      members.map((m) => ({ ...m, byShift: cache.runs[m.run].byShift })),
      shifts,
      { onShift: (name) => console.error(`fold ${k + 1}: scored ${name}`) },
    );
    if (scored > 0 && cacheFile) {
      await mkdir(dirname(cacheFile), { recursive: true });
      await writeFile(cacheFile, JSON.stringify(cache));
    }
    for (const [s, shift] of shifts.entries()) {
      for (const [j, m] of members.entries()) {
        const logits = cache.runs[m.run].byShift[shift.name];
        fold.rows.forEach((_, i) => (out[s][k][i][j] = logits[i]));
      }
    }
  }
  return shifts.map((s, i) => ({ shift: s.name, logits: out[i] }));
}

/** Each fold's val rows of one recipe (runs per fold, + for members), its manifests and histories. */
async function readFolds(recipe: readonly (readonly string[])[]) {
  const folds: FoldScores[] = [];
  const manifests: SplitManifest[] = [];
  const histories: HistoryRow[][][] = [];
  let testBlock: string | undefined;
  for (const [k, members] of recipe.entries()) {
    const run = members.join("+");
    const manifest = await readSplitManifest(args.manifests[k]);
    manifests.push(manifest);
    const test = manifest.items.filter((i) => i.split === "test").map((i) => i.path).sort().join("\n");
    if (testBlock !== undefined && test !== testBlock) {
      throw new StepError(
        `${args.manifests[k]} holds out another test block than ${
          args.manifests[0]
        }: the folds must come from one --fold K/N series`,
      );
    }
    testBlock = test;
    const itemOf = new Map(manifest.items.map((i) => [i.path, i]));
    const memberRows: Map<string, PredictionRow>[] = [];
    histories.push(await Promise.all(members.map((m) => readRunJson(m, "history"))));
    for (const member of members) {
      const val = (await readRunJson(member, "predictions")).filter((p) => p.split === "val");
      for (const p of val) {
        const item = itemOf.get(p.path);
        if (!item || item.split !== "val") {
          throw new StepError(
            `${member}: ${p.path} is val in its predictions but not in ${
              args.manifests[k]
            }; pair each run with its own manifest`,
          );
        }
      }
      memberRows.push(new Map(val.map((p) => [p.path, p])));
    }
    const rows = [...memberRows[0].values()].map((p) => {
      const logits = memberRows.map((m, j) => {
        const q = m.get(p.path);
        if (!q || q.label !== p.label) {
          throw new StepError(
            `${members[j]} has no val prediction for ${p.path} with ${members[0]}'s label; ` +
              "train a fold's members on the same manifest",
          );
        }
        return q.logit;
      });
      return { path: p.path, positive: p.label === "all", logits, group: itemOf.get(p.path)!.group };
    });
    if (memberRows.some((m) => m.size !== rows.length)) {
      throw new StepError(`${run}: the members hold different val images; train them on the same manifest`);
    }
    // a single run is read on its own block with its own evaluation; an ensemble's is fitted there
    const evaluation = members.length === 1 ? await readRunJson(run, "eval") : undefined;
    folds.push({
      name: run,
      rows,
      temperature: evaluation?.temperature,
      operatingPoint: evaluation && { threshold: evaluation.threshold, reviewBand: evaluation.reviewBand },
    });
  }
  return { folds, manifests, histories };
}

async function main(): Promise<void> {
  const { folds, manifests, histories } = await readFolds(args.runs);
  const epochs = refitEpochs(histories.map((fold) => fold.map(bestEpochOf)));
  const shifted = args.shifts && await shiftedLogits(folds, manifests, args.shifts, args.cache);
  const shifts = shifted && poolShifted(folds, shifted, args.rule);
  const recalibration = shifted && args.recalibration ? poolRecalibrated(folds, shifted, args.rule) : undefined;
  const other = args.versus && (await readFolds(args.versus)).folds;
  const otherRead = other && poolFolds(other, args.rule);
  const versus = other && otherRead && {
    runs: other.map((f) => f.name),
    pooled: otherRead.pooled,
    across: otherRead.across,
    difference: compareFolds(folds, other, args.rule),
  };
  const report = {
    ...poolFolds(folds, args.rule),
    ...(versus ? { versus } : {}),
    refit: { ...epochs, valLoss: refitValLoss(histories, epochs.stopEpochs) },
    ...(shifts ? { shifts: { readings: shifts, summary: summarizeShifts(shifts) } } : {}),
    ...(recalibration
      ? {
        recalibration: {
          ...recalibration,
          summary: {
            shipped: summarizeShifts(recalibration.shipped),
            recalibrated: summarizeShifts(recalibration.recalibrated),
          },
        },
      }
      : {}),
  };
  const { targetSensitivity: t, bandSensitivity: b, bandSpecificity: sp } = args.rule;
  console.log(
    `${args.runs.length} folds, ${
      report.pooled.all + report.pooled.normal
    } out-of-fold images (${report.pooled.all} ALL, ${report.pooled.normal} normal); ` +
      `float, no input-domain check; across: threshold at sensitivity ${t}, review band from sensitivity ${b} to specificity ${sp}\n`,
  );
  console.log(formatFoldsTable(report));
  const f = report.fitted;
  console.log(
    `\nfitted on every fold (${report.pooled.all + report.pooled.normal} images): ` +
      (f.memberTemperatures.length > 1
        ? `member temperatures ${f.memberTemperatures.map((t) => t.toFixed(3)).join(", ")}, `
        : "") +
      `temperature ${f.temperature.toFixed(3)}, threshold ${f.threshold.toFixed(3)}, review band [${
        f.reviewBand.map((b) => b.toFixed(3)).join(", ")
      })`,
  );
  console.log(
    `refit on every non-test image (prepare --val 0): train --stop-epoch ${
      report.refit.stopEpochs.join(" / ")
    } (each member's median best epoch over the folds)`,
  );
  const { atBest, atStop } = report.refit.valLoss;
  console.log(
    `val loss per fold at the best epoch → at the stop epoch: ${
      atBest.map((b, j) => b.map((x, k) => `${x.toFixed(3)}→${atStop[j][k].toFixed(3)}`).join(" ")).join(" | ")
    }`,
  );
  if (report.versus) {
    console.log(`\nversus ${report.versus.runs.join(", ")} (B), read across the same folds:\n`);
    console.log(formatDifference(report.pooled, report.versus.pooled, report.versus.difference));
    const k = report.nearestTestFold;
    if (k !== undefined) {
      const benign = (r: { normalAnsweredNormal: number; normal: number }) =>
        `${((100 * r.normalAnsweredNormal) / r.normal).toFixed(1)}% (${r.normalAnsweredNormal}/${r.normal})`;
      console.log(
        `\nfold ${k + 1}, nearest the test block: benign answered normal A ${benign(report.across[k])}, B ${
          benign(report.versus.across[k])
        }`,
      );
    }
  }
  if (report.shifts) {
    const m = report.shifts.summary;
    console.log(
      `\nunder the shift suite (float, no input-domain check; each fold at the point fitted on the other folds' unshifted scores):\n\n${
        formatShiftTable(report.shifts.readings)
      }\n\n${m.shifts} shifts: ALL answered normal > 1% in ${m.over1}, > 5% in ${m.over5}; summed ${m.summedAllAnsweredNormal}; ` +
        `worst ${m.worst.shift} ${(100 * m.worst.share).toFixed(1)}%; benign normal ${
          (100 * m.meanNormalAnsweredNormal).toFixed(1)
        }% and review ${(100 * m.meanReview).toFixed(1)}% on average`,
    );
  }
  if (report.recalibration) {
    const { shipped: a, recalibrated: b } = report.recalibration.summary;
    console.log(
      `\na new lab recalibrating (deno task recalibrate's fit) on its earlier blocks, read on its later blocks ` +
        `(each fold's block a lab; float, no input-domain check):\n\n${
          formatRecalibrationTable(report.recalibration)
        }\n\n` +
        `${a.shifts} shifts, shipped → recalibrated: ALL answered normal > 1% in ${a.over1} → ${b.over1}, > 5% in ${a.over5} → ${b.over5}; ` +
        `summed ${a.summedAllAnsweredNormal} → ${b.summedAllAnsweredNormal}; benign normal ${
          (100 * a.meanNormalAnsweredNormal).toFixed(1)
        }% → ${(100 * b.meanNormalAnsweredNormal).toFixed(1)}% and review ${(100 * a.meanReview).toFixed(1)}% → ${
          (100 * b.meanReview).toFixed(1)
        }% on average`,
    );
  }
  if (args.out) {
    await mkdir(dirname(args.out), { recursive: true });
    await writeFile(args.out, JSON.stringify(report, null, 1) + "\n");
    console.log(`\nwrote ${args.out}`);
  }
}

main().catch(stepFailed("pool_folds"));
