/**
 * The acquisition shift suite (`scripts/lib/shift_suite/`, evaluation only: no training code may
 * import it): every image of a split under every shift, answered exactly as the service answers
 * (decode → shift at the source resolution → the card's crop, resize and normalisation → ONNX →
 * temperature, threshold, review band and input-domain check, pooled-feature distance included).
 * Reports per shift what the service answers: ALL answered `normal`, normal answered `normal`,
 * normal answered `all`, share sent to review, share flagged out of domain, with cluster-bootstrap
 * intervals, and AUROC; and which of issue #13's targets each shift misses.
 *
 *   deno task suite --model runs/x/model.int8.onnx --manifest runs/x/manifest.json
 *     --split test --out runs/x/suite.json [--domain runs/x/domain.json] [--shifts "identity,jpeg"]
 *     [--limit N] [--check runs/cnmc_subset/manifest.json]…
 *
 * `--domain FILE`: the input-domain check to apply (fit_domain.ts's `--out`) instead of the
 * card's. `--check MANIFEST` (repeatable): also answer every image of another dataset, unshifted
 * (another lab: `review` is a right answer there, `normal` for ALL or `all` for normal is wrong).
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { cliArgs, numberFlag, UsageError } from "./lib/run/cli.ts";
import type { ModelCard, ModelRuntime, RgbaImage } from "../model/core/mod.ts";
import type { Split } from "./lib/data/split_manifest.ts";
import type { SuiteCheck, SuiteFile } from "./lib/run/run_folder.ts";
import type { LoadedImage } from "./lib/shift/load.ts";
import type { AnsweredImage, ShiftAnswers } from "./lib/shift_suite/answers.ts";
import type { SuiteShift } from "./lib/shift_suite/suite.ts";

const USAGE = `Usage: deno task suite --model <model.onnx> --manifest <manifest.json> --out <suite.json> [options]
  (node --import tsx scripts/evaluate_suite.ts …)
  --model FILE       the ONNX model (its card beside it), e.g. runs/x/model.int8.onnx
  --manifest FILE    the split manifest of the images to answer
  --out FILE         the report to write, e.g. runs/x/suite.json
  --split S          train | val | test (test)
  --domain FILE      input-domain check to apply instead of the card's (deno task domain's --out)
  --shifts A,B       only these shifts or families (default: the whole suite)
  --limit N          at most N images of the split
  --check FILE       (repeatable) also answer every image of another dataset's manifest, unshifted
Prints what the service answers under each shift and which targets each shift misses.`;

const args = cliArgs({
  name: "evaluate_suite.ts",
  usage: USAGE,
  example:
    "deno task suite --model runs/x/model.int8.onnx --manifest runs/x/manifest.json --out runs/x/suite.json \\\n" +
    "  --check runs/cnmc_subset/manifest.json",
  options: {
    model: { type: "string" },
    manifest: { type: "string" },
    split: { type: "string", default: "test" },
    out: { type: "string" },
    domain: { type: "string" },
    shifts: { type: "string" },
    limit: { type: "string" },
    check: { type: "string", multiple: true },
  },
  required: ["model", "manifest", "out"],
}, (v) => {
  if (!["train", "val", "test"].includes(v.split!)) {
    throw new UsageError(`--split must be train, val or test, got "${v.split}"`);
  }
  return { ...v, limit: v.limit === undefined ? undefined : numberFlag(v.limit, "limit", { integer: true, min: 1 }) };
});

const { answerResized, loadModelFile, toFloatRgb } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { readRunJsonAt } = await import("./lib/run/run_folder.ts");
const { loadImages, selectItems } = await import("./lib/shift/load.ts");
const { formatAnswersTable, missedTargets, SHIFTED_TARGETS, summarizeAnswers, UNSHIFTED_TARGETS } = await import(
  "./lib/shift_suite/answers.ts"
);
const { applySuiteShift, selectSuite, SHIFT_FAMILIES, SHIFT_SUITE } = await import("./lib/shift_suite/suite.ts");

const BATCH = 64;

/** Answers `images` (already shifted) as the service does. */
async function answerImages(
  model: ModelRuntime,
  card: ModelCard,
  images: readonly { rgba: RgbaImage; positive: boolean; group: string }[],
): Promise<AnsweredImage[]> {
  const out: AnsweredImage[] = [];
  for (let start = 0; start < images.length; start += BATCH) {
    const chunk = images.slice(start, start + BATCH);
    const answers = await answerResized(model, chunk.map((im) => toFloatRgb(im.rgba, card.preprocess)), card);
    chunk.forEach((im, k) => {
      const a = answers[k];
      out.push({
        positive: im.positive,
        group: im.group,
        score: a.scores.all,
        decision: a.decision,
        outOfDomain: (a.reasons ?? []).some((r) => r.startsWith("out_of_domain")),
      });
    });
  }
  return out;
}

const asRows = (images: readonly LoadedImage[]) =>
  images.map((i) => ({ rgba: i.rgba, positive: i.item.label === "all", group: i.item.group }));

async function main(): Promise<void> {
  const values = { ...args, model: args.model!, manifest: args.manifest!, out: args.out! };
  const log = (s: string) => console.error(s);
  const model = await loadModelFile(values.model, { backend: "node", maxBatch: BATCH });
  const domain = values.domain ? (await readRunJsonAt(values.domain, "domain"))! : model.card.domain;
  const card: ModelCard = { ...model.card, ...(domain ? { domain } : {}) };
  const shifts: SuiteShift[] = values.shifts
    ? selectSuite(values.shifts.split(",").map((s) => s.trim()))
    : [...SHIFT_SUITE];
  if (!shifts.some((s) => s.family === "identity")) shifts.unshift(SHIFT_SUITE.find((s) => s.family === "identity")!);
  const manifest = await readSplitManifest(values.manifest);
  const items = selectItems(manifest, {
    split: values.split as Split,
    limit: values.limit,
  });
  log(`decoding ${items.length} ${values.split} images…`);
  const images = asRows(await loadImages(manifest, items));
  const started = Date.now();
  const results: ShiftAnswers[] = [];
  for (const [i, shift] of shifts.entries()) {
    const shifted = [];
    for (const im of images) shifted.push({ ...im, rgba: await applySuiteShift(im.rgba, shift) });
    const answered = await answerImages(model, card, shifted);
    results.push(summarizeAnswers(shift.name, shift.family, answered));
    log(`  [${i + 1}/${shifts.length}] ${shift.name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const checks: SuiteCheck[] = [];
  for (const file of values.check ?? []) {
    const m = await readSplitManifest(file);
    const all = asRows(await loadImages(m, selectItems(m, { split: "all" as Split })));
    const answered = await answerImages(model, card, all);
    const wrong = answered.filter((a) => (a.positive ? a.decision === "normal" : a.decision === "all")).length;
    checks.push({
      manifest: file,
      dataset: m.dataset,
      n: answered.length,
      answered: {
        all: answered.filter((a) => a.decision === "all").length,
        normal: answered.filter((a) => a.decision === "normal").length,
        review: answered.filter((a) => a.decision === "review").length,
      },
      outOfDomain: answered.filter((a) => a.outOfDomain).length,
      wrong,
      wrongShare: answered.length ? wrong / answered.length : null,
      summary: summarizeAnswers("identity", "identity", answered),
    });
  }
  const misses = results.map((r) => ({
    shift: r.shift,
    missed: missedTargets(r, r.family === "identity" ? UNSHIFTED_TARGETS : SHIFTED_TARGETS),
  }));
  const result: SuiteFile = {
    kind: "shift-suite",
    created: new Date().toISOString(),
    model: { path: values.model, id: card.id, version: card.version, sha256: card.sha256 },
    data: { manifest: values.manifest, dataset: manifest.dataset, split: values.split, n: images.length },
    pipeline: "decode → suite shift at the source resolution (8-bit) → the card's crop, resize, normalisation → " +
      "ONNX → the service's answer (temperature, threshold, review band, input-domain check incl. feature distance)",
    domain: { fromCard: !values.domain, features: !!card.domain?.features },
    families: SHIFT_FAMILIES,
    targets: { unshifted: UNSHIFTED_TARGETS, shifted: SHIFTED_TARGETS },
    shifts: shifts.map((s) => ({ name: s.name, family: s.family, strength: s.strength, params: s.params })),
    results,
    misses,
    withinTargets: misses.every((m) => m.missed.length === 0),
    checks,
  };
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, JSON.stringify(result, null, 1) + "\n");
  console.log(formatAnswersTable(results));
  for (const c of checks) {
    console.log(
      `\n${c.dataset} (${c.manifest}): ${c.n} images → all ${c.answered.all}, normal ${c.answered.normal}, review ${c.answered.review}; ` +
        `flagged ${c.outOfDomain}; wrong ${c.wrong}`,
    );
  }
  const missed = misses.filter((m) => m.missed.length);
  console.log(`\n${missed.length} of ${results.length} shifts miss a target${missed.length ? ":" : ""}`);
  for (const m of missed) console.log(`  ${m.shift}: ${m.missed.join("; ")}`);
  console.log(`wrote ${values.out}`);
  await model.close();
}

main().catch((err) => {
  console.error(`evaluate_suite: ${(err as Error).message}`);
  process.exit(1);
});
