/**
 * Screening ensemble candidates before any graph is built: every combination of trained runs is
 * scored from its members' raw logits under each shift of the suite, combined as `deno task
 * ensemble` combines them (the weighted mean of each member's logit over its own temperature),
 * recalibrated and given an operating point on the unshifted images, and answered as the service
 * answers (threshold and review band; no input-domain check). `scripts/compare_members.ts` runs it.
 *
 * Why: the shift failures of members are correlated and depend on the seed as much as on the
 * recipe (docs/ROBUSTNESS.md), so which runs to combine has to be measured, and building, quantizing
 * and running the suite on every candidate graph costs minutes each where this costs milliseconds.
 * It screens; the chosen combination still goes through the pipeline and its suite step.
 *
 * @module
 */
import { serviceDecision } from "../../../model/core/mod.ts";
import { fitTemperature, sigmoid } from "../metrics/calibration.ts";
import { auroc } from "../metrics/ranking.ts";
import { chooseOperatingPoint, type OperatingPoint } from "../metrics/threshold.ts";
import { ensembleCoefficients } from "./ensemble_predictions.ts";

/** One trained run's raw logits for the same images (same order) under every shift. */
export interface MemberLogits {
  /** The run's own validation temperature (its `eval.json`). */
  temperature: number;
  /** Shift name → one raw logit per image. */
  byShift: Readonly<Record<string, readonly number[]>>;
}

/**
 * How members' calibrated logits (logit_k / T_k) become one: `mean`, weighted (what `deno task
 * ensemble` builds), or `max`, the most suspicious member decides (any member that sees ALL
 * raises the answer).
 */
export type ComboRule = "mean" | "max";

/** A candidate ensemble: runs and their relative weights (`deno task ensemble --weights`). */
export interface Combo {
  /** As written, e.g. `wbzoom+grey*2` or `max:wbzoom+grey`. */
  name: string;
  members: { run: string; weight: number }[];
  /** Default `mean`. */
  rule?: ComboRule;
}

/** What a combination answers under one shift (shares of the images, no intervals). */
export interface ComboShift {
  shift: string;
  /** ALL answered `normal`: count and share of the ALL images. */
  allAnsweredNormal: { count: number; share: number };
  /** Normal answered `normal`, share of the normal images. */
  normalAnsweredNormal: number;
  /** Share of all images answered `review`. */
  review: number;
  auroc: number;
}

/** One combination across the suite. */
export interface ComboReport {
  combo: string;
  /** Temperature fitted to the combined logit on the unshifted images. */
  temperature: number;
  operatingPoint: OperatingPoint;
  /** The unshifted row first, then every shift in the order given. */
  shifts: ComboShift[];
  /** Over the shifted rows only. */
  summary: {
    /** Shifts where more than 1% / 5% of ALL images are answered `normal`. */
    over1: number;
    over5: number;
    /** The shift with the largest share of ALL answered `normal`. */
    worst: { shift: string; share: number };
    /** ALL images answered `normal`, summed over the shifts. */
    summedAllAnsweredNormal: number;
    meanNormalAnsweredNormal: number;
    meanReview: number;
  };
}

/** The member name a user may write for `run`: its last path segment. */
function shortName(run: string): string {
  return run.replace(/\/+$/, "").split("/").pop()!;
}

/**
 * Parses `A+B*2+C` against the known runs. A name is a run as given or its last path segment; a
 * weight follows `*` (default 1, must be > 0). A `max:` prefix combines by the largest calibrated
 * logit instead of the weighted mean ({@link ComboRule}; no weights then).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const runs = ["runs/np/wbzoom", "runs/np/grey"];
 * assert.deepEqual(parseCombo("wbzoom*2+runs/np/grey", runs).members, [
 *   { run: "runs/np/wbzoom", weight: 2 },
 *   { run: "runs/np/grey", weight: 1 },
 * ]);
 * assert.throws(() => parseCombo("wbzoom+grey_s9", runs), /grey_s9.*known: wbzoom, grey/);
 * assert.equal(parseCombo("max:wbzoom+grey", runs).rule, "max");
 * assert.throws(() => parseCombo("max:wbzoom*2+grey", runs), /max: takes no weights/);
 * ```
 */
export function parseCombo(spec: string, runs: readonly string[]): Combo {
  const members: Combo["members"] = [];
  const rule: ComboRule = spec.startsWith("max:") ? "max" : "mean";
  const body = rule === "max" ? spec.slice(4) : spec;
  for (const part of body.split("+").map((p) => p.trim())) {
    const [name, w, extra] = part.split("*").map((s) => s.trim());
    const run = runs.find((r) => r === name) ?? runs.find((r) => shortName(r) === name);
    if (!name || !run) {
      throw new Error(
        `combination "${spec}": "${name}" is not one of the runs (known: ${runs.map(shortName).join(", ")})`,
      );
    }
    const weight = w === undefined ? 1 : Number(w);
    if (extra !== undefined || !(Number.isFinite(weight) && weight > 0)) {
      throw new Error(`combination "${spec}": "${part}" needs a weight > 0 after one "*"`);
    }
    if (members.some((m) => m.run === run)) throw new Error(`combination "${spec}" names ${name} twice`);
    if (rule === "max" && w !== undefined) throw new Error(`combination "${spec}": max: takes no weights`);
    members.push({ run, weight });
  }
  return { name: spec, members, rule };
}

/**
 * Every combination of `runs` with equal weights, from single runs up to all of them, smallest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(allCombos(["a", "b", "c"]).map((c) => c.name), ["a", "b", "c", "a+b", "a+c", "b+c", "a+b+c"]);
 * ```
 */
export function allCombos(runs: readonly string[]): Combo[] {
  const out: Combo[] = [];
  const n = runs.length;
  for (let size = 1; size <= n; size++) {
    const pick = (start: number, chosen: number[]): void => {
      if (chosen.length === size) {
        out.push(parseCombo(chosen.map((i) => shortName(runs[i])).join("+"), runs));
        return;
      }
      for (let i = start; i < n; i++) pick(i + 1, [...chosen, i]);
    };
    pick(0, []);
  }
  return out;
}

/**
 * The combined logit of every image under `shift`: Σ_k c_k · logit_k with the coefficients
 * `deno task ensemble` writes into the graph ({@link ensembleCoefficients}: c_k = w_k / Σw / T_k);
 * under the `max` rule, max_k logit_k / T_k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const members = {
 *   a: { temperature: 2, byShift: { identity: [4, -2] } },
 *   b: { temperature: 1, byShift: { identity: [1, 3] } },
 * };
 * // a weighs 3/4 and b 1/4: 3/4 · 4/2 + 1/4 · 1 = 1.75; 3/4 · −2/2 + 1/4 · 3 = 0
 * assert.deepEqual(comboLogits(parseCombo("a*3+b", ["a", "b"]), members, "identity"), [1.75, 0]);
 * assert.deepEqual(comboLogits(parseCombo("max:a+b", ["a", "b"]), members, "identity"), [2, 3]);
 * ```
 */
export function comboLogits(combo: Combo, members: Readonly<Record<string, MemberLogits>>, shift: string): number[] {
  const logitsOf = combo.members.map(({ run }) => {
    const logits = members[run]?.byShift[shift];
    if (!logits) throw new Error(`no logits of ${run} under "${shift}"`);
    return logits;
  });
  const max = combo.rule === "max";
  const coefficients = max ? combo.members.map((m) => 1 / members[m.run].temperature) : ensembleCoefficients(
    combo.members.map((m) => m.weight),
    combo.members.map((m) => members[m.run].temperature),
  );
  let out: number[] | undefined;
  for (const [k, { run }] of combo.members.entries()) {
    const logits = logitsOf[k], c = coefficients[k];
    if (!out) out = logits.map((l) => c * l);
    else {
      if (logits.length !== out.length) {
        throw new Error(`${run} has ${logits.length} logits under "${shift}", ${combo.members[0].run} ${out.length}`);
      }
      for (let i = 0; i < out.length; i++) out[i] = max ? Math.max(out[i], c * logits[i]) : out[i] + c * logits[i];
    }
  }
  return out!;
}

/**
 * Scores `combo` under every shift in `shifts` (the first is the unshifted one): temperature and
 * operating point ({@link chooseOperatingPoint}, sensitivity 0.99) fitted on the first, then each
 * image answered as the service answers ({@link serviceDecision}, no domain check).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const positive = [true, true, true, false, false];
 * const members = { a: { temperature: 1, byShift: {
 *   identity: [6, 5, 4, -5, -6], // separable
 *   dark: [6, -5, 4, -5, -6], // one ALL image now scores like the normal ones
 * } } };
 * const r = answerCombo(parseCombo("a", ["a"]), members, positive, ["identity", "dark"]);
 * assert.equal(r.shifts[0].allAnsweredNormal.count, 0);
 * assert.deepEqual(r.shifts[1].allAnsweredNormal, { count: 1, share: 1 / 3 });
 * assert.deepEqual(r.summary.worst, { shift: "dark", share: 1 / 3 });
 * ```
 */
export function answerCombo(
  combo: Combo,
  members: Readonly<Record<string, MemberLogits>>,
  positive: readonly boolean[],
  shifts: readonly string[],
): ComboReport {
  const [unshifted] = shifts;
  const base = comboLogits(combo, members, unshifted);
  if (base.length !== positive.length) {
    throw new Error(`${base.length} logits under "${unshifted}" for ${positive.length} labels`);
  }
  const temperature = fitTemperature(base.map((logit, i) => ({ logit, positive: positive[i] })));
  const operatingPoint = chooseOperatingPoint(
    base.map((l, i) => ({ score: sigmoid(l, temperature), positive: positive[i] })),
  );
  const nAll = positive.filter(Boolean).length, nNormal = positive.length - nAll;
  const rows = shifts.map((shift): ComboShift => {
    const scores = comboLogits(combo, members, shift).map((l) => sigmoid(l, temperature));
    let allNormal = 0, normalNormal = 0, review = 0;
    scores.forEach((p, i) => {
      const d = serviceDecision(operatingPoint, p, false);
      if (d === "review") review++;
      if (d === "normal") positive[i] ? allNormal++ : normalNormal++;
    });
    return {
      shift,
      allAnsweredNormal: { count: allNormal, share: allNormal / nAll },
      normalAnsweredNormal: normalNormal / nNormal,
      review: review / scores.length,
      auroc: auroc(scores.map((score, i) => ({ score, positive: positive[i] }))),
    };
  });
  const shifted = rows.slice(1);
  const worst = shifted.reduce(
    (w, r) => (r.allAnsweredNormal.share > w.share ? { shift: r.shift, share: r.allAnsweredNormal.share } : w),
    { shift: shifted[0]?.shift ?? unshifted, share: shifted[0]?.allAnsweredNormal.share ?? 0 },
  );
  const mean = (f: (r: ComboShift) => number) => shifted.reduce((s, r) => s + f(r), 0) / Math.max(1, shifted.length);
  return {
    combo: combo.name,
    temperature,
    operatingPoint,
    shifts: rows,
    summary: {
      over1: shifted.filter((r) => r.allAnsweredNormal.share > 0.01).length,
      over5: shifted.filter((r) => r.allAnsweredNormal.share > 0.05).length,
      worst,
      summedAllAnsweredNormal: shifted.reduce((s, r) => s + r.allAnsweredNormal.count, 0),
      meanNormalAnsweredNormal: mean((r) => r.normalAnsweredNormal),
      meanReview: mean((r) => r.review),
    },
  };
}

/**
 * One line per combination, best first (fewest ALL answered `normal` summed over the shifts, then
 * the smaller worst shift): unshifted benign `normal` / review / AUROC, then the shift summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const members = { a: { temperature: 1, byShift: { identity: [6, 5, -5], dark: [6, -6, -5] } } };
 * const r = answerCombo(parseCombo("a", ["a"]), members, [true, true, false], ["identity", "dark"]);
 * const [head, line] = formatComboTable([r]).split("\n");
 * assert.match(head, /^combination/);
 * assert.match(line, /^a +100\.0 +0\.0 +1\.000 .* dark 50\.0%/);
 * ```
 */
export function formatComboTable(reports: readonly ComboReport[]): string {
  const sorted = [...reports].sort((x, y) =>
    x.summary.summedAllAnsweredNormal - y.summary.summedAllAnsweredNormal ||
    x.summary.worst.share - y.summary.worst.share
  );
  const width = Math.max(11, ...sorted.map((r) => r.combo.length));
  const pct = (v: number) => (v * 100).toFixed(1).padStart(5);
  const lines = [
    `${
      "combination".padEnd(width)
    }  unshifted: benign→normal review AUROC | shifts: >1% >5% summed ALL→normal, worst | mean benign→normal review`,
    ...sorted.map((r) => {
      const u = r.shifts[0], s = r.summary;
      return `${r.combo.padEnd(width)}  ${pct(u.normalAnsweredNormal)} ${pct(u.review)} ${u.auroc.toFixed(3)} | ` +
        `${String(s.over1).padStart(3)} ${String(s.over5).padStart(3)} ${
          String(s.summedAllAnsweredNormal).padStart(4)
        }, ` +
        `${s.worst.shift} ${(s.worst.share * 100).toFixed(1)}% | ${pct(s.meanNormalAnsweredNormal)} ${
          pct(s.meanReview)
        }`;
    }),
  ];
  return lines.join("\n");
}
