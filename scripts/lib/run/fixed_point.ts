/**
 * Reads an operating point fitted outside a run, for `deno task ensemble`, `evaluate` and
 * `quantize --point FILE`: a `deno task folds --out` report (its `fitted`: the rule fitted on a
 * recipe's out-of-fold scores) or that `fitted` object alone.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { FixedPoint } from "../metrics/report.ts";

/** A {@link FixedPoint} with the member temperatures an ensemble's graph must divide by. */
export interface PointFile extends FixedPoint {
  /** each member's temperature (`[1]` for a single run) */
  memberTemperatures: number[];
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Validates a point file's JSON (`source` names it in errors and in `chosenOn`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fitted = {
 *   memberTemperatures: [0.4, 0.7], temperature: 0.6, threshold: 0.3, reviewBand: [0.02, 0.8],
 *   rule: { targetSensitivity: 0.99, bandSensitivity: 0.995, bandSpecificity: 0.99 },
 * };
 * const point = parsePointFile({ pooled: { all: 1980, normal: 360 }, fitted }, "folds.json");
 * assert.equal(point.chosenOn, "out-of-fold: folds.json (2340 images)");
 * assert.deepEqual(point.memberTemperatures, [0.4, 0.7]);
 * assert.throws(() => parsePointFile({ fitted: { ...fitted, reviewBand: [0.5, 0.8] } }, "f.json"), /low ≤ threshold ≤ high/);
 * assert.throws(() => parsePointFile({ pooled: {} }, "f.json"), /f\.json has no fitted operating point/);
 * ```
 */
export function parsePointFile(json: unknown, source: string): PointFile {
  const root = json as Record<string, unknown> | null;
  const f = (root && typeof root === "object" && "fitted" in root ? root.fitted : root) as Record<string, unknown>;
  const rule = f?.rule as Record<string, unknown> | undefined;
  const band = f?.reviewBand as unknown[] | undefined;
  const temps = f?.memberTemperatures as unknown[] | undefined;
  if (
    !f || !isNumber(f.temperature) || !isNumber(f.threshold) || !Array.isArray(band) || band.length !== 2 ||
    !band.every(isNumber) || !Array.isArray(temps) || temps.length === 0 || !temps.every(isNumber) || !rule ||
    !isNumber(rule.targetSensitivity) || !isNumber(rule.bandSensitivity) || !isNumber(rule.bandSpecificity)
  ) {
    throw new Error(
      `${source} has no fitted operating point (temperature, threshold, reviewBand, memberTemperatures, rule); ` +
        "write one with deno task folds --out",
    );
  }
  const [low, high] = band as number[];
  if (!(f.temperature > 0 && temps.every((t) => (t as number) > 0))) {
    throw new Error(`${source}: temperatures must be > 0`);
  }
  if (!(0 < low && low <= f.threshold && f.threshold <= high && high < 1)) {
    throw new Error(
      `${source}: the point needs 0 < low ≤ threshold ≤ high < 1; got ${f.threshold} in [${low}, ${high})`,
    );
  }
  const pooled = root?.pooled as { all?: unknown; normal?: unknown } | undefined;
  const n = isNumber(pooled?.all) && isNumber(pooled?.normal) ? ` (${pooled.all + pooled.normal} images)` : "";
  return {
    temperature: f.temperature,
    threshold: f.threshold,
    reviewBand: [low, high],
    memberTemperatures: temps as number[],
    rule: {
      targetSensitivity: rule.targetSensitivity,
      bandSensitivity: rule.bandSensitivity,
      bandSpecificity: rule.bandSpecificity,
    },
    chosenOn: `out-of-fold: ${source}${n}`,
  };
}

/**
 * Reads and validates a point file ({@link parsePointFile}); a missing or unreadable file fails
 * with its name and how to write one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * await assert.rejects(() => readPointFile("no/such/folds.json"), /cannot read no\/such\/folds\.json: .*deno task folds --out/);
 * ```
 */
export async function readPointFile(path: string): Promise<PointFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}; write one with deno task folds --out`);
  }
  return parsePointFile(json, path);
}

/**
 * Why `point` cannot be applied to a run whose graph divides its members' logits by
 * `ensembleTemperatures` (`train_config.json`'s `ensemble[k].temperature`; none for a single run),
 * or `undefined` when it can: the graph's members and temperatures must be the point's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const point = { memberTemperatures: [0.4, 0.7] };
 * assert.equal(pointMismatch(point, [0.4, 0.7]), undefined);
 * assert.match(pointMismatch(point, [0.25, 0.7])!, /member 0 divides by 0.25, the point by 0.4/);
 * assert.match(pointMismatch(point, undefined)!, /fitted for 2 members/);
 * assert.equal(pointMismatch({ memberTemperatures: [1] }, undefined), undefined);
 * ```
 */
export function pointMismatch(
  point: Pick<PointFile, "memberTemperatures">,
  ensembleTemperatures: readonly number[] | undefined,
): string | undefined {
  const mine = ensembleTemperatures ?? [1];
  if (mine.length !== point.memberTemperatures.length) {
    return `the point was fitted for ${point.memberTemperatures.length} members, the run has ${mine.length}`;
  }
  const k = mine.findIndex((t, i) => Math.abs(t - point.memberTemperatures[i]) > 1e-9 * Math.max(1, t));
  return k < 0 ? undefined : `member ${k} divides by ${mine[k]}, the point by ${point.memberTemperatures[k]}; ` +
    "build the ensemble with deno task ensemble --point on the same file";
}
