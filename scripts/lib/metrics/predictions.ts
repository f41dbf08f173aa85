/**
 * Reading the trainer's `predictions.json`.
 *
 * @module
 */
import type { Label } from "../../../model/core/mod.ts";

/** One prediction as the trainer writes it. */
export interface PredictionRow {
  path: string;
  split: "val" | "test";
  label: Label;
  subtype?: string;
  /** The binary head's logit for `all` (before temperature). */
  logit: number;
  subtypeLogits?: number[];
  /** Split group (block, subject) when known: used for a cluster bootstrap. */
  group?: string;
}

/**
 * Checks parsed JSON and returns typed rows; errors name the bad row and what to fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // the trainer writes runs/<run>/predictions.json
 * const json = '[{"path": "test/all/a.png", "split": "test", "label": "all", "logit": 2.5, "subtype": "Pro"}]';
 * const rows = parsePredictions(JSON.parse(json), "predictions.json");
 * assert.deepEqual([rows[0].label, rows[0].logit], ["all", 2.5]);
 * assert.throws(
 *   () => parsePredictions([{ path: "a.png", split: "train", label: "all", logit: 1 }]),
 *   /"split" must be val or test/,
 * );
 * ```
 */
export function parsePredictions(value: unknown, source = "predictions"): PredictionRow[] {
  if (!Array.isArray(value)) {
    throw new Error(`${source}: expected a JSON array of {path, split, label, logit}; re-run the trainer`);
  }
  const seen = new Map<string, string>();
  return value.map((r, i) => {
    const where = `${source}[${i}]`;
    if (typeof r !== "object" || r === null) throw new Error(`${where}: not an object`);
    const { path, split, label, subtype, logit } = r as Record<string, unknown>;
    if (typeof path !== "string") throw new Error(`${where}: "path" must be a string`);
    if (split !== "val" && split !== "test") throw new Error(`${where} (${path}): "split" must be val or test`);
    if (label !== "all" && label !== "normal") throw new Error(`${where} (${path}): "label" must be all or normal`);
    if (typeof logit !== "number" || !Number.isFinite(logit)) {
      throw new Error(`${where} (${path}): "logit" must be a finite number`);
    }
    if (subtype !== undefined && typeof subtype !== "string") {
      throw new Error(`${where} (${path}): "subtype" must be a string`);
    }
    const prev = seen.get(path);
    if (prev !== undefined) {
      throw new Error(`${where}: ${path} appears twice (${prev} and ${split}); predictions must list each image once`);
    }
    seen.set(path, split);
    return r as PredictionRow;
  });
}

/**
 * Adds each prediction's split group from the manifest (for the cluster bootstrap) and checks
 * that predictions were made on the manifest's val/test originals: a path the manifest puts on
 * another side (or on train) is an error, since the metrics would then be leaked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const preds = parsePredictions([
 *   { path: "Pro/a-001.jpg", split: "test", label: "all", logit: 2 },
 *   { path: "Pro/a-099.jpg", split: "test", label: "all", logit: 1 },
 * ]);
 * const items = [{ path: "Pro/a-001.jpg", split: "test", group: "Pro:001-020", label: "all" }]; // manifest.items
 * const { rows, missing } = attachGroups(preds, items);
 * assert.equal(rows[0].group, "Pro:001-020");
 * assert.deepEqual(missing, ["Pro/a-099.jpg"]);
 * ```
 */
export function attachGroups(
  preds: readonly PredictionRow[],
  items: readonly { path: string; split: string; group: string; label: string }[],
): { rows: PredictionRow[]; missing: string[] } {
  const byPath = new Map(items.map((i) => [i.path, i]));
  const missing: string[] = [];
  const rows = preds.map((p) => {
    const it = byPath.get(p.path);
    if (!it) {
      missing.push(p.path);
      return p;
    }
    if (it.split !== p.split) {
      throw new Error(
        `${p.path} is predicted as ${p.split} but the manifest puts it on ${it.split}; predictions must come from the same manifest`,
      );
    }
    if (it.label !== p.label) {
      throw new Error(`${p.path}: label ${p.label} in predictions but ${it.label} in the manifest`);
    }
    return { ...p, group: it.group };
  });
  return { rows, missing };
}
