/**
 * The card of a recalibrated model: the served card with the lab's threshold and review band, a
 * version that says whose, and a `recalibration` record of what it was fitted on and what it
 * answered. The network is untouched, so the card stays bound to the same `.onnx` bytes (`sha256`).
 *
 * @module
 */
import type { ModelCard } from "../../../model/core/mod.ts";
import type { ShiftAnswers } from "../shift_suite/answers.ts";
import type { Point, PointRule } from "./refit.ts";

/** What a recalibration was fitted on and measured. */
export interface RecalibrationRecord {
  /** The lab's name as given (`--lab`). */
  lab: string;
  /** ISO date-time of the recalibration. */
  created: string;
  /** The card it was made from. */
  from: { version: string; threshold: number; reviewBand: [number, number] };
  /** The rule the point was chosen at (the original card's unless overridden). */
  rule: PointRule;
  /** The images it was fitted on. */
  images: { all: number; normal: number; patients: number; patientIds: boolean; outOfDomain: number };
  /** Edges held at the original card's value: the lab's images were too few to move them less cautiously. */
  held: { threshold: boolean; low: boolean; high: boolean };
  /** Folds of the cross-validation by patient (0: not run). */
  folds: number;
  /** What the service answers for the lab's images: as shipped, refitted (cross-validated by patient), refitted (in-sample). */
  answers: { asShipped: ShiftAnswers; crossValidated: ShiftAnswers | null; inSample: ShiftAnswers };
  /** Why the numbers need care (small samples, no patient ids, foreign images). */
  warnings: string[];
}

/**
 * A version's build-metadata suffix for a lab: lower case, letters, digits and hyphens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(labSlug("St. Mary's Haematology (2027)"), "st-mary-s-haematology-2027");
 * assert.throws(() => labSlug(" — "), /--lab must contain a letter or digit/);
 * ```
 */
export function labSlug(lab: string): string {
  const slug = lab.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (!slug) throw new RangeError(`--lab must contain a letter or digit, got "${lab}"`);
  return slug;
}

/**
 * The recalibrated card: `card` with `point`'s threshold and band (temperature unchanged),
 * version `<version>+lab.<slug>` (semantic versioning's build metadata: same network, other
 * operating point), `file` renamed, a first `limits` line saying for whom it holds, and the record.
 * Everything else (hash, preprocessing, domain check, training metrics) is the original's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const card = { id: "all-screen", version: "6.1.0", file: "all-v6.1.int8.onnx", sha256: "ab", temperature: 0.8,
 *   threshold: 0.55, reviewBand: [0.07, 0.87], limits: ["one lab's smears"] } as unknown as import("../../../model/core/mod.ts").ModelCard;
 * const record = { lab: "Lab A", images: { all: 120, normal: 80, patients: 14 } } as RecalibrationRecord;
 * const out = recalibratedCard(card, { temperature: 0.8, threshold: 0.3, reviewBand: [0.02, 0.6] }, record, "lab-a.int8.onnx");
 * assert.equal(out.version, "6.1.0+lab.lab-a");
 * assert.deepEqual([out.threshold, out.reviewBand, out.temperature, out.sha256], [0.3, [0.02, 0.6], 0.8, "ab"]);
 * assert.equal(out.file, "lab-a.int8.onnx");
 * assert.match(out.limits![0], /^Operating point recalibrated for Lab A on 200 labelled images \(14 patients\)/);
 * assert.equal(out.limits![1], "one lab's smears");
 * assert.equal(card.threshold, 0.55); // the original is not changed
 * ```
 */
export function recalibratedCard(card: ModelCard, point: Point, record: RecalibrationRecord, file: string): ModelCard {
  if (point.temperature !== card.temperature) {
    throw new RangeError(
      `the recalibrated point must keep the card's temperature ${card.temperature}, got ${point.temperature}`,
    );
  }
  const base = card.version.split("+")[0];
  const n = record.images.all + record.images.normal;
  const limit = `Operating point recalibrated for ${record.lab} on ${n} labelled images (${record.images.patients} ` +
    `patients): it holds for that lab's slides and acquisition, not for the original's; the training metrics below ` +
    `are the original point's (version ${base}), the lab's are under recalibration.`;
  return {
    ...card,
    version: `${base}+lab.${labSlug(record.lab)}`,
    file,
    threshold: point.threshold,
    reviewBand: [point.reviewBand[0], point.reviewBand[1]],
    limits: [limit, ...(card.limits ?? [])],
    recalibration: record,
  };
}
