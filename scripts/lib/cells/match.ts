/**
 * Scoring located boxes against reference cells: a reference cell is found when its centroid lies
 * inside a box; a box is a hit when it holds at least one reference centroid.
 *
 * @module
 */
import type { Box } from "../../../model/core/mod.ts";
import type { ReferenceCell } from "./reference.ts";

/** Counts of one field (or summed over many). */
export interface MatchCounts {
  fields: number;
  reference: number;
  found: number;
  boxes: number;
  hits: number;
}

/** Whether (x, y) lies inside the box (pixel centres: a box covers [x, x + width) × [y, y + height), inclusive of its last pixel). */
export function inside(box: Box, x: number, y: number): boolean {
  return x >= box.x - 0.5 && x <= box.x + box.width - 0.5 && y >= box.y - 0.5 && y <= box.y + box.height - 0.5;
}

/**
 * The counts of one field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const boxes = [{ x: 0, y: 0, width: 10, height: 10 }, { x: 50, y: 50, width: 5, height: 5 }];
 * const ref = [{ x: 4, y: 4, area: 200 }, { x: 30, y: 30, area: 200 }];
 * assert.deepEqual(matchField(boxes, ref), { fields: 1, reference: 2, found: 1, boxes: 2, hits: 1 });
 * ```
 */
export function matchField(boxes: readonly Box[], ref: readonly ReferenceCell[]): MatchCounts {
  const found = ref.filter((c) => boxes.some((b) => inside(b, c.x, c.y))).length;
  const hits = boxes.filter((b) => ref.some((c) => inside(b, c.x, c.y))).length;
  return { fields: 1, reference: ref.length, found, boxes: boxes.length, hits };
}

/** The sum of counts. */
export function addCounts(a: MatchCounts, b: MatchCounts): MatchCounts {
  return {
    fields: a.fields + b.fields,
    reference: a.reference + b.reference,
    found: a.found + b.found,
    boxes: a.boxes + b.boxes,
    hits: a.hits + b.hits,
  };
}

/** No fields yet. */
export const ZERO_COUNTS: Readonly<MatchCounts> = Object.freeze({
  fields: 0,
  reference: 0,
  found: 0,
  boxes: 0,
  hits: 0,
});

/** Recall, precision, F1 and boxes per field of summed counts (NaN-free: 0 when undefined). */
export interface MatchMetrics extends MatchCounts {
  recall: number;
  precision: number;
  f1: number;
  boxesPerField: number;
  referencePerField: number;
}

/**
 * Metrics of summed counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = metricsOf({ fields: 2, reference: 10, found: 9, boxes: 12, hits: 10 });
 * assert.equal(m.recall, 0.9);
 * assert.equal(m.precision.toFixed(4), "0.8333");
 * assert.equal(m.boxesPerField, 6);
 * ```
 */
export function metricsOf(c: MatchCounts): MatchMetrics {
  const recall = c.reference ? c.found / c.reference : 0;
  const precision = c.boxes ? c.hits / c.boxes : 0;
  const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
  return {
    ...c,
    recall,
    precision,
    f1,
    boxesPerField: c.fields ? c.boxes / c.fields : 0,
    referencePerField: c.fields ? c.reference / c.fields : 0,
  };
}
