/**
 * Blocked cross-validation, pooled: N runs of one recipe, each trained with a different part of
 * the non-test blocks as its val (`deno task prepare --fold K/N`), so that every non-test image is
 * scored once by a model that never trained on its block: new patients, N times as many as one val
 * block holds. Two readings of those out-of-fold scores:
 *
 * - **each fold on its own**: the figures the usual evaluation shows, temperature and operating
 *   point fitted on the very block they are read on (in-sample): how far one val block can be
 *   trusted, and how much it varies from block to block;
 * - **across folds**: each fold answered with a temperature and an operating point
 *   ({@link chooseOperatingPoint}) fitted on the *other* folds' scores, as the service answers
 *   patients whose block it did not choose its operating point on; pooled over the folds, with
 *   cluster-bootstrap intervals over file-number blocks. The rule of that operating point can be
 *   varied ({@link PoolOptions}), to see what a rule gives on patients it was not fitted on.
 *
 * A fold can be an ensemble recipe's members (all-v6: several runs trained on the same fold): each
 * row then holds one logit per member, combined as the ensemble graph combines them, the mean of
 * each member's logit over its own temperature. Across folds, every temperature (each member's and
 * the ensemble's) is fitted on the other folds too, so nothing a fold is answered with was fitted
 * on its own block. {@link FoldsReport.fitted} is the rule fitted on every fold's scores: what a
 * recipe's final model could be given, in place of a point fitted on one val block.
 *
 * @module
 */
import { serviceDecision } from "../../../model/core/mod.ts";
import { bootstrapCI } from "../metrics/bootstrap.ts";
import { fitTemperature, sigmoid } from "../metrics/calibration.ts";
import { parseBlockGroup } from "../data/blocks.ts";
import { auroc } from "../metrics/ranking.ts";
import { reviewByClass } from "../metrics/review_split.ts";
import { chooseOperatingPoint, type OperatingPoint } from "../metrics/threshold.ts";
import { answerAt, fitPoint as fitLabPoint, type Held } from "../recalibrate/refit.ts";

/** One fold's out-of-fold scores: its val rows, and what its own evaluation fitted on them. */
export interface FoldScores {
  /** a name for the fold (its run folder, or its members' joined by `+`) */
  name: string;
  /**
   * the fold's val images: raw logits (before any temperature), one per member (one for a single
   * run, the same number in every row and fold), label, block
   */
  rows: { path: string; positive: boolean; logits: readonly number[]; group?: string }[];
  /**
   * the temperature its own evaluation fitted on these rows; without it (an ensemble has no
   * evaluation of its own) the own-block reading fits the members' and the ensemble's
   * temperatures, and the operating point, on these rows as `evaluate` would
   */
  temperature?: number;
  /** the operating point its own evaluation chose on these rows (see `temperature`) */
  operatingPoint?: Pick<OperatingPoint, "threshold" | "reviewBand">;
}

/** What the service answers for a set of images, as counts and shares. */
export interface Answers {
  all: number;
  normal: number;
  /** ALL images answered `normal` (the miss that costs a patient) */
  allAnsweredNormal: number;
  normalAnsweredNormal: number;
  normalAnsweredAll: number;
  /** images of either class sent to review */
  review: number;
  auroc: number;
}

/** Shares with 95% cluster-bootstrap intervals (over file-number blocks). */
export interface PooledAnswers extends Answers {
  intervals: {
    allAnsweredNormal: [number, number];
    normalAnsweredNormal: [number, number];
    review: [number, number];
  };
}

/** Options of {@link poolFolds}. */
export interface PoolOptions {
  /** the operating point's rule for the reading across folds ({@link chooseOperatingPoint}; 0.99, 0.999, 0.99) */
  targetSensitivity?: number;
  bandSensitivity?: number;
  bandSpecificity?: number;
  /** bootstrap seed (1) and resamples (1000) */
  seed?: number;
  resamples?: number;
}

/** Temperatures and operating point fitted on a set of out-of-fold rows. */
export interface FittedPoint {
  /** each member's temperature (its logit is divided by it before the mean); `[1]` for one run */
  memberTemperatures: number[];
  /** the temperature on the members' mean */
  temperature: number;
  threshold: number;
  reviewBand: [number, number];
  /** the rule the threshold and band were chosen by ({@link chooseOperatingPoint}) */
  rule: OperatingPoint["rule"];
}

/** {@link poolFolds}'s result. */
export interface FoldsReport {
  /** each fold read on its own block with its own temperature and operating point (in-sample) */
  own: (Answers & { name: string })[];
  /** each fold answered with the temperature and operating point fitted on the other folds */
  across: (Answers & { name: string } & FittedPoint)[];
  /** `across`, pooled over every fold */
  pooled: PooledAnswers;
  /** the rule fitted on every fold's rows together (2,340 images on Taleqani, against one block's 420) */
  fitted: FittedPoint;
  /** for a refit on every non-test image (`deno task folds` adds it from the runs' histories) */
  refit?: RefitEpochs;
  /**
   * the index of the fold nearest the test block ({@link nearestTestFold}); absent when the
   * blocks are not numbered. Its `across` row predicts new patients better than the pooled row.
   */
  nearestTestFold?: number;
}

/** How long a recipe's refit trains: {@link refitEpochs}. */
export interface RefitEpochs {
  /** each fold's best epoch, per member: `bestEpochs[member][fold]` */
  bestEpochs: number[][];
  /** per member, the median of its folds' best epochs, rounded up: `train --stop-epoch` */
  stopEpochs: number[];
  /**
   * What a refit cut at `stopEpochs` gives up on each fold ({@link refitValLoss}): the val loss at
   * the fold's best epoch and at the stop epoch, `[member][fold]`. A large gap means the picked
   * epochs were lucky draws and the folds' operating point will not suit a refit.
   */
  valLoss?: { atBest: number[][]; atStop: number[][] };
}

/** One history row, as far as {@link refitValLoss} reads it. */
interface LossRow {
  epoch: number;
  best: boolean;
  val: { loss: number } | null;
}

/**
 * The val loss of each fold's run at its best epoch and at the refit's stop epoch (`[member][fold]`
 * out of `histories[fold][member]`); a run that stopped early (patience) before the stop epoch is
 * read at its last epoch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = (epoch: number, loss: number, best = false) => ({ epoch, best, val: { loss } });
 * // one member, two folds: fold 1 picked a lucky epoch 2, fold 2 is steady
 * const fold1 = [row(1, 0.3, true), row(2, 0.12, true), row(3, 0.32)];
 * const fold2 = [row(1, 0.2, true), row(2, 0.18, true), row(3, 0.17, true)];
 * const gap = refitValLoss([[fold1], [fold2]], [3]);
 * assert.deepEqual(gap, { atBest: [[0.12, 0.17]], atStop: [[0.32, 0.17]] });
 * assert.deepEqual(refitValLoss([[fold1.slice(0, 2)]], [3]).atStop, [[0.12]]); // stopped early: its last epoch
 * ```
 */
export function refitValLoss(
  histories: readonly (readonly (readonly LossRow[])[])[],
  stopEpochs: readonly number[],
): { atBest: number[][]; atStop: number[][] } {
  const lossAt = (h: readonly LossRow[], epoch: number, what: string) => {
    const loss = h[Math.min(epoch, h.length) - 1]?.val?.loss;
    if (loss === undefined) {
      throw new Error(`no val loss at ${what} epoch ${epoch}; were the folds trained with a val split?`);
    }
    return loss;
  };
  const perMember = (read: (h: readonly LossRow[], j: number) => number) =>
    stopEpochs.map((_, j) => histories.map((fold) => read(fold[j], j)));
  return {
    atBest: perMember((h) => lossAt(h, bestEpochOf(h), "the best")),
    atStop: perMember((h, j) => lossAt(h, stopEpochs[j], "the stop")),
  };
}

/**
 * The epoch a trainer's history chose as best: the last row marked `best`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(bestEpochOf([{ epoch: 1, best: true }, { epoch: 2, best: true }, { epoch: 3, best: false }]), 2);
 * assert.throws(() => bestEpochOf([{ epoch: 1, best: false }]), /no epoch marked best/);
 * ```
 */
export function bestEpochOf(history: readonly { epoch: number; best: boolean }[]): number {
  const best = history.filter((h) => h.best).at(-1);
  if (!best) throw new Error("no epoch marked best in the history; was the run trained?");
  return best.epoch;
}

/**
 * How many epochs each member of a recipe's refit trains (`train --stop-epoch`): the median of
 * its best epochs over the folds, rounded up. `bestEpochs[fold][member]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // all-v6's recipe: relative chroma, luma seed 1, luma seed 2 on four folds
 * const r = refitEpochs([[9, 19, 16], [15, 11, 12], [7, 15, 11], [16, 20, 13]]);
 * assert.deepEqual(r.stopEpochs, [12, 17, 13]); // 12.5 rounds up
 * assert.deepEqual(r.bestEpochs[0], [9, 15, 7, 16]);
 * ```
 */
export function refitEpochs(bestEpochs: readonly (readonly number[])[]): RefitEpochs {
  const members = bestEpochs[0]?.length ?? 0;
  if (members === 0 || bestEpochs.some((f) => f.length !== members)) {
    throw new Error("every fold needs a best epoch for each member");
  }
  const perMember = Array.from({ length: members }, (_, j) => bestEpochs.map((f) => f[j]));
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  return { bestEpochs: perMember, stopEpochs: perMember.map((xs) => Math.ceil(median(xs))) };
}

interface Answered {
  positive: boolean;
  score: number;
  decision: "all" | "normal" | "review";
  group?: string;
}

function count(rows: readonly Answered[]): Answers {
  const pos = rows.filter((r) => r.positive), neg = rows.filter((r) => !r.positive);
  return {
    all: pos.length,
    normal: neg.length,
    allAnsweredNormal: pos.filter((r) => r.decision === "normal").length,
    normalAnsweredNormal: neg.filter((r) => r.decision === "normal").length,
    normalAnsweredAll: neg.filter((r) => r.decision === "all").length,
    review: rows.filter((r) => r.decision === "review").length,
    auroc: pos.length && neg.length ? auroc(rows) : NaN,
  };
}

type Row = FoldScores["rows"][number];

/** The members' mean of logit / temperature (a single run's logit as it is). */
function combined(r: Row, memberTemperatures: readonly number[]): number {
  if (r.logits.length === 1) return r.logits[0];
  let s = 0;
  for (const [k, z] of r.logits.entries()) s += z / memberTemperatures[k];
  return s / r.logits.length;
}

/** Fits member temperatures, the ensemble's temperature and the operating point on `rows`. */
function fitPoint(rows: readonly Row[], opts: PoolOptions): FittedPoint {
  const members = rows[0].logits.length;
  const memberTemperatures = members === 1
    ? [1]
    : Array.from({ length: members }, (_, k) =>
      fitTemperature(rows.map((r) => ({ logit: r.logits[k], positive: r.positive }))));
  const temperature = fitTemperature(
    rows.map((r) => ({ logit: combined(r, memberTemperatures), positive: r.positive })),
  );
  const op = chooseOperatingPoint(
    rows.map((r) => ({ score: sigmoid(combined(r, memberTemperatures), temperature), positive: r.positive })),
    opts.targetSensitivity,
    opts.bandSensitivity,
    opts.bandSpecificity,
  );
  return { memberTemperatures, temperature, threshold: op.threshold, reviewBand: op.reviewBand, rule: op.rule };
}

function answerRows(
  fold: FoldScores,
  point: Omit<FittedPoint, "rule">,
): Answered[] {
  return fold.rows.map((r) => {
    const score = sigmoid(combined(r, point.memberTemperatures), point.temperature);
    return { positive: r.positive, score, decision: serviceDecision(point, score, false), group: r.group };
  });
}

/** Each fold answered at the point fitted on the other folds' rows (rows in the fold's order). */
function answerAcross(
  folds: readonly FoldScores[],
  opts: PoolOptions,
): { name: string; point: FittedPoint; rows: Answered[] }[] {
  return folds.map((f, k) => {
    const point = fitPoint(folds.filter((_, j) => j !== k).flatMap((o) => o.rows), opts);
    return { name: f.name, point, rows: answerRows(f, point) };
  });
}

/** One paired difference, B − A, with its 95% interval. */
export interface Difference {
  value: number;
  interval: [number, number];
}

/**
 * Two recipes read across the same folds ({@link compareFolds}): B − A in shares (0.05 = five
 * points) and in AUROC, each with a paired cluster-bootstrap interval.
 */
export interface PairedDifference {
  allAnsweredNormal: Difference;
  normalAnsweredNormal: Difference;
  review: Difference;
  auroc: Difference;
}

/**
 * Recipe B against recipe A on the same out-of-fold images: each recipe's folds answered at its own
 * point fitted on its other folds (as {@link poolFolds} reads it), then the differences B − A of
 * ALL answered `normal`, benign answered `normal`, sent to review and AUROC, with 95% intervals
 * from one cluster bootstrap that draws the same file-number blocks for both recipes. Paired, so
 * the blocks' own difficulty cancels: the interval of a difference is far narrower than the two
 * recipes' own intervals side by side. The folds must hold the same images (a training side
 * thinned or trained otherwise is fine).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // four folds of 2 blocks: ALL logits 3…6, normal −6…−4 and one hard normal image per fold
 * const folds = (hard: number) => ["a", "b", "c", "d"].map((name) => ({
 *   name, rows: [3, 4, 5, 6, -6, -5, -4, hard].map((z, i) =>
 *     ({ path: `${name}/${i}`, positive: i < 4, logits: [z], group: `${name}:${i < 4 ? "all" : "normal"}` })),
 * }));
 * // A scores the hard normal image among the ALL images (4.5), B below them all (−3)
 * const d = compareFolds(folds(4.5), folds(-3));
 * assert.equal(d.normalAnsweredNormal.value, 0.25); // one normal image in four more answered normal
 * assert.equal(d.review.value, -0.375); // A's band held 3 of each fold's 8 images
 * assert.equal(d.auroc.value, 0.125);
 * ```
 */
export function compareFolds(
  a: readonly FoldScores[],
  b: readonly FoldScores[],
  opts: PoolOptions = {},
): PairedDifference {
  checkFolds(a);
  checkFolds(b);
  if (a.length !== b.length) {
    throw new Error(`comparing folds needs as many on both sides: ${a.length} and ${b.length}`);
  }
  const readA = answerAcross(a, opts), readB = answerAcross(b, opts);
  const paired = readA.flatMap((fa, k) => {
    const byPath = new Map(b[k].rows.map((r, i) => [r.path, readB[k].rows[i]]));
    return a[k].rows.map((r, i) => {
      const other = byPath.get(r.path);
      if (!other || b[k].rows.length !== a[k].rows.length) {
        throw new Error(
          `fold ${k + 1}: ${b[k].name} does not hold the same val images as ${fa.name} (${r.path}); ` +
            "compare runs trained on the same --fold K/N blocks",
        );
      }
      return { ...fa.rows[i], other };
    });
  });
  type Pair = (typeof paired)[number];
  const diff = (cls: boolean | undefined, d: Answered["decision"]) => (rows: Pair[]) =>
    shareAnswered(rows.map((p) => p.other), cls, d) - shareAnswered(rows, cls, d);
  const aurocDiff = (rows: Pair[]) => auroc(rows.map((p) => p.other)) - auroc(rows);
  const boot = { groupOf: (r: Pair) => r.group, seed: opts.seed ?? 1, resamples: opts.resamples ?? 1000 };
  const of = (stat: (rows: Pair[]) => number): Difference => ({
    value: stat(paired),
    interval: bootstrapCI(paired, stat, boot),
  });
  return {
    allAnsweredNormal: of(diff(true, "normal")),
    normalAnsweredNormal: of(diff(false, "normal")),
    review: of(diff(undefined, "review")),
    auroc: of(aurocDiff),
  };
}

/**
 * Reads N folds' out-of-fold scores both ways (see the module).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // three folds of 4 ALL (logits 3, 4, 5, 6) and 4 normal images (−6, −5, −4, and one at 2)
 * const fold = (name: string) => ({
 *   name, temperature: 1, operatingPoint: { threshold: 0.5, reviewBand: [0.4, 0.6] as [number, number] },
 *   rows: [3, 4, 5, 6, -6, -5, -4, 2].map((z, i) => ({ path: `${name}/${i}`, positive: i < 4, logits: [z] })),
 * });
 * const report = poolFolds([fold("a"), fold("b"), fold("c")]);
 * assert.equal(report.own[0].normalAnsweredAll, 1); // the normal image at logit 2: p 0.88 ≥ 0.6
 * assert.equal(report.pooled.all, 12);
 * assert.equal(report.pooled.allAnsweredNormal, 0);
 * assert.deepEqual(report.fitted.memberTemperatures, [1]);
 * ```
 */
export function poolFolds(folds: readonly FoldScores[], opts: PoolOptions = {}): FoldsReport {
  checkFolds(folds);
  const own = folds.map((f) => {
    const point = f.temperature !== undefined && f.operatingPoint
      ? { memberTemperatures: f.rows[0].logits.map(() => 1), temperature: f.temperature, ...f.operatingPoint }
      : fitPoint(f.rows, {});
    return { name: f.name, ...count(answerRows(f, point)) };
  });
  const read = answerAcross(folds, opts);
  const across = read.map(({ name, point, rows }) => ({ name, ...point, ...count(rows) }));
  const nearest = nearestTestFold(folds);
  return {
    own,
    across,
    pooled: pooledAnswers(read.flatMap((f) => f.rows), opts),
    fitted: fitPoint(folds.flatMap((f) => f.rows), opts),
    ...(nearest === null ? {} : { nearestTestFold: nearest }),
  };
}

/**
 * The fold whose val blocks sit highest in file number, so nearest the test block, which a
 * `--holdout highest` split puts above every fold: of each series of numbered blocks (the group's
 * name before `:`, e.g. `Benign` in `Benign:281-300`; `parseBlockGroup`), the fold holding the highest-numbered block
 * gets a vote; the fold with most votes, or `null` when blocks are not numbered or votes tie.
 * On Taleqani its benign fields are the ones most like the test block's (ROBUSTNESS.md: the fold
 * just below the test block predicted the last refits' test readings where the pooled row did not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fold = (name: string, groups: string[]) => ({ name, rows: groups.map((group, i) =>
 *   ({ path: `${name}/${i}`, positive: group.startsWith("Pre"), logits: [0], group })) });
 * const folds = [fold("a", ["Pre:001-020", "Benign:001-020"]), fold("b", ["Pre:041-060", "Benign:061-080"]),
 *   fold("c", ["Pre:021-040", "Benign:021-040"])];
 * assert.equal(nearestTestFold(folds), 1);
 * assert.equal(nearestTestFold([fold("a", ["x"]), fold("b", ["y"])]), null); // not numbered
 * ```
 */
export function nearestTestFold(folds: readonly Pick<FoldScores, "rows">[]): number | null {
  const top = new Map<string, { end: number; fold: number }>();
  folds.forEach((f, k) => {
    for (const r of f.rows) {
      const block = parseBlockGroup(r.group ?? "");
      if (!block) continue;
      const best = top.get(block.series);
      if (!best || block.last > best.end) top.set(block.series, { end: block.last, fold: k });
    }
  });
  if (top.size === 0) return null;
  const votes = folds.map(() => 0);
  for (const { fold } of top.values()) votes[fold]++;
  const most = Math.max(...votes);
  return votes.filter((v) => v === most).length === 1 ? votes.indexOf(most) : null;
}

/**
 * One shift's raw logits for every fold's val rows: `logits[fold][row]` holds one logit per member,
 * folds and rows in the order of the {@link FoldScores} they shift.
 */
export interface ShiftedLogits {
  /** the shift's name, e.g. `hsl-lightness ×0.90` (`identity` for the unchanged images) */
  shift: string;
  logits: readonly (readonly (readonly number[])[])[];
}

/** What the folds answer under one shift, pooled over the folds ({@link poolShifted}). */
export interface ShiftReading extends PooledAnswers {
  shift: string;
}

/**
 * The folds under acquisition shifts: each fold's shifted images answered with the temperatures
 * and operating point fitted on the other folds' *unshifted* scores (the across reading of
 * {@link poolFolds}: nothing fitted on the fold's block, nothing fitted on shifted images), pooled
 * over the folds with cluster-bootstrap intervals, one reading per shift. What a recipe's point
 * gives new patients whose images were also acquired otherwise, before any test block is read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // two folds of ALL logits 3, 4, 5, 6 and normal −6, −5, −4, 2; a shift that lowers every logit by 5
 * const fold = (name: string) => ({
 *   name, rows: [3, 4, 5, 6, -6, -5, -4, 2].map((z, i) => ({ path: `${name}/${i}`, positive: i < 4, logits: [z] })),
 * });
 * const folds = [fold("a"), fold("b")];
 * const darker = { shift: "darker", logits: folds.map((f) => f.rows.map((r) => [r.logits[0] - 5])) };
 * const [same, shifted] = poolShifted(folds, [{ shift: "identity", logits: folds.map((f) => f.rows.map((r) => r.logits)) }, darker], { resamples: 20 });
 * assert.equal(same.allAnsweredNormal, poolFolds(folds, { resamples: 20 }).pooled.allAnsweredNormal);
 * assert.equal(shifted.shift, "darker");
 * assert.ok(shifted.allAnsweredNormal > same.allAnsweredNormal); // the unshifted point, darker scores
 * ```
 */
export function poolShifted(
  folds: readonly FoldScores[],
  shifts: readonly ShiftedLogits[],
  opts: PoolOptions = {},
): ShiftReading[] {
  checkShifted(folds, shifts);
  const points = folds.map((_, k) => fitPoint(folds.filter((_, j) => j !== k).flatMap((o) => o.rows), opts));
  return shifts.map((s) => {
    const rows = folds.flatMap((f, k) =>
      answerRows({ ...f, rows: f.rows.map((r, i) => ({ ...r, logits: s.logits[k][i] })) }, points[k])
    );
    return { shift: s.shift, ...pooledAnswers(rows, opts) };
  });
}

/** Refuses shifted logits that do not match the folds' rows and members, naming the first mismatch. */
function checkShifted(folds: readonly FoldScores[], shifts: readonly ShiftedLogits[]): void {
  checkFolds(folds);
  const members = folds[0].rows[0].logits.length;
  for (const s of shifts) {
    const bad = s.logits.length !== folds.length
      ? `${s.logits.length} folds of logits for ${folds.length} folds`
      : folds.map((f, k) => {
        const rows = s.logits[k];
        if (rows.length !== f.rows.length) return `fold ${f.name}: ${rows.length} rows for its ${f.rows.length}`;
        const r = rows.findIndex((l) => l.length !== members);
        return r >= 0 ? `fold ${f.name}: ${f.rows[r].path} has ${rows[r].length} member logits, not ${members}` : "";
      }).find(Boolean);
    if (bad) throw new Error(`shift "${s.shift}": ${bad}; score every fold's val rows, in order, with each member`);
  }
}

/**
 * A lab's earlier patients, for {@link poolRecalibrated}: of each series of blocks of one class
 * (the group's name before `:`, e.g. `Early` in `Early:041-060`, or the whole name without one;
 * a block's class is its images' majority), the lower half of its blocks by name (the odd one to
 * the earlier half).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [["Pre:001-020", true], ["Pre:021-040", true], ["Pre:041-060", true], ["Benign:101-120", false],
 *   ["Benign:121-140", false], ["x:1", true], ["x:2", false]].map(([group, positive]) => ({ group: group as string, positive: positive as boolean }));
 * assert.deepEqual([...earlierBlocks(rows)].sort(), ["Benign:101-120", "Pre:001-020", "Pre:021-040", "x:1", "x:2"]);
 * ```
 */
export function earlierBlocks(rows: readonly { group: string; positive: boolean }[]): Set<string> {
  const votes = new Map<string, number>();
  for (const r of rows) votes.set(r.group, (votes.get(r.group) ?? 0) + (r.positive ? 1 : -1));
  const series = new Map<string, string[]>();
  for (const [g, v] of votes) {
    const key = `${g.includes(":") ? g.slice(0, g.lastIndexOf(":")) : g}\u0000${v >= 0}`;
    series.set(key, [...(series.get(key) ?? []), g]);
  }
  const out = new Set<string>();
  for (const blocks of series.values()) {
    blocks.sort().slice(0, Math.ceil(blocks.length / 2)).forEach((b) => out.add(b));
  }
  return out;
}

/** {@link poolRecalibrated}'s result: the lab's later patients answered both ways, per shift. */
export interface RecalibratedReadings {
  /** at the point fitted on the other folds (what the shipped model answers at a new lab) */
  shipped: ShiftReading[];
  /** at that point recalibrated on the lab's earlier patients (`deno task recalibrate`'s fit) */
  recalibrated: ShiftReading[];
  /** per shift, per fold: the edges the recalibration held at the shipped point's */
  held: { shift: string; folds: Held[] }[];
}

/**
 * What `deno task recalibrate` buys a new lab, simulated on the folds: each fold's block is a lab
 * whose patients the fold's networks never saw, under each shift (its acquisition). The shipped
 * point is the one fitted on the other folds; the lab recalibrates it on its earlier patients
 * ({@link earlierBlocks}) with the tool's own fit (edges held at the shipped point's until the lab
 * has the images their rates need), and both points answer its later patients, pooled over folds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // two folds; ALL logits 3…6 and normal −6…−3, in two blocks a series each
 * const fold = (name: string) => ({
 *   name, rows: [3, 4, 5, 6, -6, -5, -4, -3].map((z, i) => ({ path: `${name}/${i}`, positive: i < 4, logits: [z],
 *     group: `${i < 4 ? "A" : "N"}:${i % 2}` })),
 * });
 * const folds = [fold("a"), fold("b")];
 * // a darker lab: every logit 5 lower; the shipped point misses ALL images, the lab's own point does not
 * const darker = { shift: "darker", logits: folds.map((f) => f.rows.map((r) => [r.logits[0] - 5])) };
 * const r = poolRecalibrated(folds, [darker], { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.99 });
 * assert.equal(r.shipped[0].all, 4); // the later block of each fold's ALL series: 2 images × 2 folds
 * assert.ok(r.shipped[0].allAnsweredNormal > 0);
 * assert.equal(r.recalibrated[0].allAnsweredNormal, 0);
 * ```
 */
export function poolRecalibrated(
  folds: readonly FoldScores[],
  shifts: readonly ShiftedLogits[],
  opts: PoolOptions = {},
): RecalibratedReadings {
  checkShifted(folds, shifts);
  const points = folds.map((_, k) => fitPoint(folds.filter((_, j) => j !== k).flatMap((o) => o.rows), opts));
  const out: RecalibratedReadings = { shipped: [], recalibrated: [], held: [] };
  for (const s of shifts) {
    const shipped: Answered[] = [], recalibrated: Answered[] = [], held: Held[] = [];
    folds.forEach((f, k) => {
      const point = points[k];
      const rows = f.rows.map((r, i) => {
        const group = r.group ?? r.path;
        return {
          positive: r.positive,
          group,
          logit: combined({ ...r, logits: s.logits[k][i] }, point.memberTemperatures),
          outOfDomain: false,
        };
      });
      const earlier = earlierBlocks(rows);
      const fit = rows.filter((r) => earlier.has(r.group));
      if (!fit.some((r) => r.positive) || !fit.some((r) => !r.positive) || fit.length === rows.length) {
        throw new Error(
          `fold ${f.name}: its earlier blocks must hold both classes and leave later ones; give each class two blocks or more`,
        );
      }
      // the lab refits at the rule the shipped point was chosen by
      const lab = fitLabPoint(fit, point.rule, point.temperature, point);
      held.push(lab.held);
      const later = rows.filter((r) => !earlier.has(r.group));
      shipped.push(...answerAt(later, point));
      recalibrated.push(...answerAt(later, lab));
    });
    out.shipped.push({ shift: s.shift, ...pooledAnswers(shipped, opts) });
    out.recalibrated.push({ shift: s.shift, ...pooledAnswers(recalibrated, opts) });
    out.held.push({ shift: s.shift, folds: held });
  }
  return out;
}

/** {@link summarizeShifts}' result, over the shifted readings (not `identity`). */
export interface ShiftSummary {
  shifts: number;
  /** shifts whose pooled ALL answered `normal` exceeds 1% / 5% */
  over1: number;
  over5: number;
  /** ALL images answered `normal`, summed over the shifts */
  summedAllAnsweredNormal: number;
  /** the shift with the largest share of ALL answered `normal` */
  worst: { shift: string; share: number };
  meanNormalAnsweredNormal: number;
  meanReview: number;
}

/**
 * The shifted readings in a line: how many shifts miss the 1% / 5% bounds on ALL answered
 * `normal`, the misses summed, the worst shift, and the mean benign `normal` and review shares.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const none: [number, number] = [0, 0];
 * const r = (shift: string, allAnsweredNormal: number) => ({ shift, all: 100, normal: 10, allAnsweredNormal,
 *   normalAnsweredNormal: 8, normalAnsweredAll: 0, review: 11, auroc: 1,
 *   intervals: { allAnsweredNormal: none, normalAnsweredNormal: none, review: none } });
 * const s = summarizeShifts([r("identity", 9), r("a", 1), r("b", 2), r("c", 6)]);
 * assert.deepEqual([s.shifts, s.over1, s.over5, s.summedAllAnsweredNormal], [3, 2, 1, 9]); // 1% is within
 * assert.deepEqual(s.worst, { shift: "c", share: 0.06 });
 * assert.ok(Math.abs(s.meanReview - 0.1) < 1e-12); // 11 of 110 in every shift
 * ```
 */
export function summarizeShifts(readings: readonly ShiftReading[]): ShiftSummary {
  const shifted = readings.filter((r) => r.shift !== "identity");
  if (shifted.length === 0) throw new Error("no shifted readings to summarise (only identity)");
  const share = (r: Answers) => r.allAnsweredNormal / r.all;
  const mean = (f: (r: ShiftReading) => number) => shifted.reduce((s, r) => s + f(r), 0) / shifted.length;
  const worst = shifted.reduce((w, r) => (share(r) > share(w) ? r : w));
  return {
    shifts: shifted.length,
    over1: shifted.filter((r) => share(r) > 0.01).length,
    over5: shifted.filter((r) => share(r) > 0.05).length,
    summedAllAnsweredNormal: shifted.reduce((s, r) => s + r.allAnsweredNormal, 0),
    worst: { shift: worst.shift, share: share(worst) },
    meanNormalAnsweredNormal: mean((r) => r.normalAnsweredNormal / r.normal),
    meanReview: mean((r) => r.review / (r.all + r.normal)),
  };
}

/** Counts of `rows` with 95% cluster-bootstrap intervals over their blocks. */
function pooledAnswers(rows: readonly Answered[], opts: PoolOptions): PooledAnswers {
  const boot = { groupOf: (r: Answered) => r.group, seed: opts.seed ?? 1, resamples: opts.resamples ?? 1000 };
  const all = [...rows];
  const interval = (cls: boolean | undefined, decision: Answered["decision"]) =>
    bootstrapCI(all, (sample) => shareAnswered(sample, cls, decision), boot);
  return {
    ...count(all),
    intervals: {
      allAnsweredNormal: interval(true, "normal"),
      normalAnsweredNormal: interval(false, "normal"),
      review: interval(undefined, "review"),
    },
  };
}

/**
 * The share of `rows` of one class (`true` ALL, `false` normal, `undefined` both) answered
 * `decision`; NaN when there is none of that class.
 */
function shareAnswered(
  rows: readonly Answered[],
  cls: boolean | undefined,
  decision: Answered["decision"],
): number {
  let n = 0, d = 0;
  for (const r of rows) {
    if (cls !== undefined && r.positive !== cls) continue;
    d++;
    if (r.decision === decision) n++;
  }
  return d ? n / d : NaN;
}

/** Refuses folds that cannot be pooled: fewer than 2, uneven members, one class only, an image in two. */
function checkFolds(folds: readonly FoldScores[]): void {
  if (folds.length < 2) throw new Error(`pooling folds needs at least 2 folds, got ${folds.length}`);
  const seen = new Map<string, string>();
  const members = folds[0].rows[0]?.logits.length;
  for (const f of folds) {
    const other = f.rows.find((r) => r.logits.length !== members || r.logits.length === 0);
    if (other) {
      throw new Error(
        `fold ${f.name}: ${other.path} has ${other.logits.length} member logits, ${folds[0].name} ${members}; ` +
          "give every fold the same members",
      );
    }
    if ((f.temperature === undefined) !== (f.operatingPoint === undefined)) {
      throw new Error(`fold ${f.name}: give its own temperature and operating point together, or neither`);
    }
    if (!f.rows.some((r) => r.positive) || !f.rows.some((r) => !r.positive)) {
      throw new Error(`fold ${f.name}: its val block needs both ALL and normal images`);
    }
    for (const r of f.rows) {
      const other = seen.get(r.path);
      if (other !== undefined) {
        throw new Error(
          `${r.path} is val in two folds (${other} and ${f.name}): the folds must come from one --fold K/N series`,
        );
      }
      seen.set(r.path, f.name);
    }
  }
}

/** Percent with one decimal. */
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : "—");

/**
 * The report as a Markdown table: one row per fold read on its own, one per fold read across, and
 * the pooled row with intervals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fold = (name: string) => ({
 *   name, temperature: 1, operatingPoint: { threshold: 0.5, reviewBand: [0.4, 0.6] as [number, number] },
 *   rows: [3, 4, 5, 6, -6, -5, -4, 2].map((z, i) => ({ path: `${name}/${i}`, positive: i < 4, logits: [z] })),
 * });
 * const table = formatFoldsTable(poolFolds([fold("a"), fold("b")]));
 * assert.match(table, /\| a \| own block \(in-sample\) \| 0\.0% \(0\/4\) \| 75\.0% \(3\/4\) \| 25\.0% \(1\/4\) \| 0\.0% \(0\/8; ALL 0\.0%, benign 0\.0%\) \|/);
 * assert.match(table, /\| all folds \| across/);
 * ```
 */
export function formatFoldsTable(report: FoldsReport): string {
  const row = (name: string, how: string, a: Answers) =>
    `| ${name} | ${how} | ${pct(a.allAnsweredNormal, a.all)} (${a.allAnsweredNormal}/${a.all}) | ${
      pct(a.normalAnsweredNormal, a.normal)
    } (${a.normalAnsweredNormal}/${a.normal}) | ${
      pct(a.normalAnsweredAll, a.normal)
    } (${a.normalAnsweredAll}/${a.normal}) | ${pct(a.review, a.all + a.normal)} (${a.review}/${a.all + a.normal}; ${
      reviewByClass(a)
    }) | ${a.auroc.toFixed(3)} |`;
  const p = report.pooled, ci = (v: [number, number]) => `[${(100 * v[0]).toFixed(1)}, ${(100 * v[1]).toFixed(1)}]`;
  return [
    "| fold | operating point | ALL answered `normal` | normal answered `normal` | normal answered `all` | sent to review (of each class) | AUROC |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...report.own.map((a) => row(a.name, "own block (in-sample)", a)),
    ...report.across.map((a, k) =>
      row(
        a.name,
        k === report.nearestTestFold
          ? "fitted on the other folds; **nearest the test block**"
          : "fitted on the other folds",
        a,
      )
    ),
    row("all folds", "across, pooled", p),
    `| | 95% cluster-bootstrap | ${ci(p.intervals.allAnsweredNormal)} | ${ci(p.intervals.normalAnsweredNormal)} | | ${
      ci(p.intervals.review)
    } | |`,
  ].join("\n");
}

/**
 * Two recipes' pooled rows and their paired differences ({@link compareFolds}) as a Markdown
 * table; differences in points (percentage points; AUROC × 100).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = (normalAnsweredNormal: number) => ({ all: 100, normal: 40, allAnsweredNormal: 1, normalAnsweredNormal,
 *   normalAnsweredAll: 2, review: 10, auroc: 0.99 });
 * const d = { value: 0.1, interval: [0.05, 0.15] as [number, number] };
 * const table = formatDifference(row(20), row(24), { allAnsweredNormal: d, normalAnsweredNormal: d, review: d, auroc: d });
 * assert.match(table, /^\| B \| 1\.0% \(1\/100\) \| 60\.0% \(24\/40\) \| 7\.1% \(10\/140\) \| 0\.990 \|$/m);
 * assert.match(table, /^\| B − A \(paired 95%\) \| \+10\.0 \[\+5\.0, \+15\.0\]/m);
 * ```
 */
export function formatDifference(a: Answers, b: Answers, d: PairedDifference): string {
  const row = (name: string, r: Answers) =>
    `| ${name} | ${pct(r.allAnsweredNormal, r.all)} (${r.allAnsweredNormal}/${r.all}) | ${
      pct(r.normalAnsweredNormal, r.normal)
    } (${r.normalAnsweredNormal}/${r.normal}) | ${pct(r.review, r.all + r.normal)} (${r.review}/${
      r.all + r.normal
    }) | ${r.auroc.toFixed(3)} |`;
  const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
  const diff = (x: Difference) => `${pts(x.value)} [${pts(x.interval[0])}, ${pts(x.interval[1])}]`;
  return [
    "| recipe | ALL answered normal | benign answered normal | sent to review | AUROC |",
    "| --- | --- | --- | --- | --- |",
    row("A", a),
    row("B", b),
    `| B − A (paired 95%) | ${diff(d.allAnsweredNormal)} | ${diff(d.normalAnsweredNormal)} | ${diff(d.review)} | ${
      diff(d.auroc)
    } |`,
  ].join("\n");
}

/**
 * {@link poolShifted}'s readings as a Markdown table, one row per shift, with intervals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = { shift: "gamma 1.2", all: 200, normal: 20, allAnsweredNormal: 3, normalAnsweredNormal: 17,
 *   normalAnsweredAll: 1, review: 11, auroc: 0.9951,
 *   intervals: { allAnsweredNormal: [0.005, 0.03], normalAnsweredNormal: [0.7, 0.95], review: [0.02, 0.08] } as
 *     Record<"allAnsweredNormal" | "normalAnsweredNormal" | "review", [number, number]> };
 * // of the 11 sent to review, 2 benign (20 − 17 − 1) and 9 ALL
 * assert.match(formatShiftTable([row]), /\| gamma 1\.2 \| 1\.5% \(3\/200\) \[0\.5, 3\.0\] \| 85\.0% \(17\/20\) \[70\.0, 95\.0\] \| 5\.0% \(1\/20\) \| 5\.0% \(11\/220\) \[2\.0, 8\.0\]; ALL 4\.5%, benign 10\.0% \| 0\.995 \|/);
 * ```
 */
export function formatShiftTable(readings: readonly ShiftReading[]): string {
  const ci = (v: readonly [number, number]) => `[${(100 * v[0]).toFixed(1)}, ${(100 * v[1]).toFixed(1)}]`;
  return [
    "| shift | ALL answered `normal` | normal answered `normal` | normal answered `all` | sent to review (of each class) | AUROC |",
    "| --- | --- | --- | --- | --- | --- |",
    ...readings.map((r) =>
      `| ${r.shift} | ${pct(r.allAnsweredNormal, r.all)} (${r.allAnsweredNormal}/${r.all}) ${
        ci(r.intervals.allAnsweredNormal)
      } | ${pct(r.normalAnsweredNormal, r.normal)} (${r.normalAnsweredNormal}/${r.normal}) ${
        ci(r.intervals.normalAnsweredNormal)
      } | ${pct(r.normalAnsweredAll, r.normal)} (${r.normalAnsweredAll}/${r.normal}) | ${
        pct(r.review, r.all + r.normal)
      } (${r.review}/${r.all + r.normal}) ${ci(r.intervals.review)}; ${reviewByClass(r)} | ${r.auroc.toFixed(3)} |`
    ),
  ].join("\n");
}

/**
 * {@link poolRecalibrated}'s readings as a Markdown table: per shift, the lab's later patients as
 * shipped → recalibrated (ALL answered `normal`, benign answered `normal`, review), and in how
 * many folds each edge (threshold, low, top) was held at the shipped point's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const none: [number, number] = [0, 0];
 * const reading = (allAnsweredNormal: number, review: number) => ({ shift: "darker", all: 200, normal: 20, allAnsweredNormal,
 *   normalAnsweredNormal: 15, normalAnsweredAll: 0, review, auroc: 0.99,
 *   intervals: { allAnsweredNormal: none, normalAnsweredNormal: none, review: none } });
 * const held = [{ threshold: false, low: true, high: true }, { threshold: true, low: true, high: false }];
 * const table = formatRecalibrationTable({ shipped: [reading(12, 30)], recalibrated: [reading(1, 44)], held: [{ shift: "darker", folds: held }] });
 * assert.match(table, /\| darker \| 6\.0% \(12\/200\) → 0\.5% \(1\/200\) \| 75\.0% → 75\.0% \| 13\.6% → 20\.0% \| 1 \/ 2 \/ 1 of 2 \|/);
 * ```
 */
export function formatRecalibrationTable(r: RecalibratedReadings): string {
  return [
    "| shift | ALL answered `normal`: shipped → recalibrated | benign answered `normal` | review | edges held (threshold / low / top) |",
    "| --- | --- | --- | --- | --- |",
    ...r.shipped.map((a, i) => {
      const b = r.recalibrated[i], folds = r.held[i].folds;
      const held = (k: keyof Held) => folds.filter((h) => h[k]).length;
      return `| ${a.shift} | ${pct(a.allAnsweredNormal, a.all)} (${a.allAnsweredNormal}/${a.all}) → ${
        pct(b.allAnsweredNormal, b.all)
      } (${b.allAnsweredNormal}/${b.all}) | ${pct(a.normalAnsweredNormal, a.normal)} → ${
        pct(b.normalAnsweredNormal, b.normal)
      } | ${pct(a.review, a.all + a.normal)} → ${pct(b.review, b.all + b.normal)} | ${held("threshold")} / ${
        held("low")
      } / ${held("high")} of ${folds.length} |`;
    }),
  ].join("\n");
}
