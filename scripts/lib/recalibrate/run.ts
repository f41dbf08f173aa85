/**
 * One recalibration, from decoded images to the new card: every lab image scored by the served
 * network as the service scores it (`scoreResized`: the card's preprocessing, one batched run, the
 * card's domain check), the point refitted at the card's rule, cross-validated by patient, and the
 * recalibrated card with its record.
 *
 * @module
 */
import { type ModelRuntime, scoreResized, toFloatRgb } from "../../../model/core/mod.ts";
import type { RgbaImage } from "../../../model/core/mod.ts";
import { summarizeAnswers } from "../shift_suite/answers.ts";
import { recalibratedCard, type RecalibrationRecord } from "./card.ts";
import type { LabImage } from "./lab_images.ts";
import {
  answerAt,
  crossValidate,
  fitPoint,
  type Held,
  type LabScore,
  type Point,
  type PointRule,
  resolvedBy,
} from "./refit.ts";
import type { ModelCard } from "../../../model/core/mod.ts";

/** Images scored per model run. */
const BATCH = 64;

/** A lab image whose file could not be used, and why. */
export interface SkippedImage {
  path: string;
  reason: string;
}

/** What {@link recalibrateScores} needs besides the card and the scores. */
export interface RecalibrateOptions {
  /** The lab's name (the version suffix and the record). */
  lab: string;
  /** The rule to choose the point at (normally the card's, {@link import("./refit.ts").cardRule}). */
  rule: PointRule;
  /** Folds of the cross-validation by patient (capped by the patients of the rarer class). */
  folds: number;
  seed: number;
  /** Every image sits in a patient folder. */
  patientIds: boolean;
  /** File name the new card names (its `.onnx`, beside it). */
  file: string;
  /** Clock for the record (tests pin it). */
  now?: () => Date;
}

/** The outcome: the point, the new card and its record, and every image's score. */
export interface Recalibration {
  point: Point;
  card: ModelCard;
  record: RecalibrationRecord;
  scores: LabScore[];
}

/**
 * Scores `images` (decoded by `decode`, in batches) with `runtime` as the service does. An image
 * `decode` rejects is skipped with its reason, not fatal: a lab folder may hold a stray file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, loadModelFile } from "../../../model/core/mod.ts";
 * const runtime = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const images = [
 *   { path: "cnmc_all_UID_35_6_2_all.png", label: "all" as const, group: "p1" },
 *   { path: "no-such-file.png", label: "normal" as const, group: "p2" },
 * ];
 * const { scores, skipped } = await scoreLabImages(runtime, images, async (i) =>
 *   await decodeImage(await Deno.readFile(`tests/fixtures/images/${i.path}`)));
 * assert.deepEqual(scores.map((s) => [s.positive, s.group]), [[true, "p1"]]);
 * assert.ok(Number.isFinite(scores[0].logit));
 * assert.deepEqual(skipped.map((s) => s.path), ["no-such-file.png"]);
 * await runtime.close();
 * ```
 */
export async function scoreLabImages(
  runtime: ModelRuntime,
  images: readonly LabImage[],
  decode: (image: LabImage) => Promise<RgbaImage>,
  log: (line: string) => void = () => {},
): Promise<{ scores: LabScore[]; skipped: SkippedImage[] }> {
  const card = runtime.card;
  const scores: LabScore[] = [];
  const skipped: SkippedImage[] = [];
  for (let start = 0; start < images.length; start += BATCH) {
    const chunk: { image: LabImage; resized: ReturnType<typeof toFloatRgb> }[] = [];
    for (const image of images.slice(start, start + BATCH)) {
      try {
        chunk.push({ image, resized: toFloatRgb(await decode(image), card.preprocess) });
      } catch (err) {
        skipped.push({ path: image.path, reason: (err as Error).message });
      }
    }
    const scored = await scoreResized(runtime, chunk.map((c) => c.resized));
    chunk.forEach(({ image }, k) =>
      scores.push({
        positive: image.label === "all",
        group: image.group,
        logit: scored[k].logit,
        outOfDomain: scored[k].domainReasons.length > 0,
      })
    );
    log(`  scored ${Math.min(start + BATCH, images.length)}/${images.length}`);
  }
  return { scores, skipped };
}

/**
 * One line per edge held at the shipped card's value for too few images ({@link fitPoint}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rule = { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.99 };
 * assert.deepEqual(heldWarnings({ threshold: false, low: false, high: false }, rule), []);
 * assert.deepEqual(heldWarnings({ threshold: false, low: true, high: false }, rule), [
 *   "the review band's low edge stays the shipped card's: the lab's images would raise it, which takes at least 500 ALL images (sensitivity 0.998)",
 * ]);
 * ```
 */
export function heldWarnings(held: Held, rule: PointRule): string[] {
  const line = (what: string, dir: string, n: number, cls: string, rate: string) =>
    `${what} stays the shipped card's: the lab's images would ${dir} it, which takes at least ${n} ${cls} images (${rate})`;
  return [
    ...(held.threshold
      ? [
        line(
          "the threshold",
          "raise",
          resolvedBy(rule.targetSensitivity),
          "ALL",
          `sensitivity ${rule.targetSensitivity}`,
        ),
      ]
      : []),
    ...(held.low
      ? [
        line(
          "the review band's low edge",
          "raise",
          resolvedBy(rule.bandSensitivity),
          "ALL",
          `sensitivity ${rule.bandSensitivity}`,
        ),
      ]
      : []),
    ...(held.high
      ? [
        line(
          "the review band's top",
          "lower",
          resolvedBy(rule.bandSpecificity),
          "normal",
          `specificity ${rule.bandSpecificity}`,
        ),
      ]
      : []),
  ];
}

/**
 * The warnings a lab should read before using the new point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const w = recalibrationWarnings({ all: 60, normal: 40, patients: 100, patientIds: false, outOfDomain: 70 });
 * assert.equal(w.length, 2);
 * assert.match(w[0], /^no patient ids: every image counts as its own patient/);
 * assert.match(w[1], /^70% of the lab's images are flagged out of domain/);
 * // exactly half flagged is not "more than half"
 * assert.deepEqual(recalibrationWarnings({ all: 60, normal: 40, patients: 12, patientIds: true, outOfDomain: 50 }), []);
 * ```
 */
export function recalibrationWarnings(images: RecalibrationRecord["images"]): string[] {
  const out: string[] = [];
  if (!images.patientIds) {
    out.push(
      "no patient ids: every image counts as its own patient, so the cross-validation and the intervals are " +
        "optimistic when a patient has several images; put each patient's images in their own folder (all/<patient>/…), or send caseId with reviewer feedback",
    );
  }
  const n = images.all + images.normal;
  const flagged = n > 0 ? images.outOfDomain / n : 0;
  if (flagged > 0.5) {
    out.push(
      `${Math.round(flagged * 100)}% of the lab's images are flagged out of domain: the service answers \`review\` ` +
        "for them whatever the point, which recalibration cannot change; retrain with them (deno task ingest)",
    );
  }
  return out;
}

/**
 * Refits `card`'s operating point on the lab's scored images and writes nothing: returns the
 * point (fitted on every image, edges held as {@link fitPoint} says), the answers as shipped,
 * cross-validated by patient and in-sample, and the recalibrated card.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ModelCard } from "../../../model/core/mod.ts";
 * const card = { id: "all-screen", version: "6.1.0", file: "m.onnx", temperature: 1, threshold: 0.5,
 *   reviewBand: [0.1, 0.9] } as unknown as ModelCard;
 * // 4 ALL patients and 4 normal patients, two images each, well apart
 * const scores = ["a1", "a2", "a3", "a4", "n1", "n2", "n3", "n4"].flatMap((group, i) =>
 *   [0, 0.5].map((d) => ({ positive: i < 4, group, logit: (i < 4 ? 4 + i : -4 - i) + d, outOfDomain: false })));
 * const rule = { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.99 };
 * const r = recalibrateScores(card, scores, { lab: "Lab A", rule, folds: 5, seed: 1, patientIds: true, file: "lab-a.onnx",
 *   now: () => new Date("2027-01-01T00:00:00Z") });
 * // 8 images resolve no rate: every edge the lab would loosen stays the card's
 * assert.deepEqual([r.point.threshold, r.point.reviewBand], [0.5, [0.1, 0.9]]);
 * assert.deepEqual(r.record.held, { threshold: true, low: true, high: true });
 * assert.equal(r.record.folds, 4);
 * assert.equal(r.record.answers.crossValidated!.allAnsweredNormal.count, 0);
 * assert.equal(r.card.version, "6.1.0+lab.lab-a");
 * assert.equal(r.record.created, "2027-01-01T00:00:00.000Z");
 * ```
 */
export function recalibrateScores(
  card: ModelCard,
  scores: readonly LabScore[],
  options: RecalibrateOptions,
): Recalibration {
  const { rule } = options;
  const shipped: Point = { temperature: card.temperature, threshold: card.threshold, reviewBand: card.reviewBand };
  const { held, ...point } = fitPoint(scores, rule, card.temperature, shipped);
  const patientsOf = (positive: boolean) => new Set(scores.filter((s) => s.positive === positive).map((s) => s.group));
  const canCrossValidate = patientsOf(true).size >= 2 && patientsOf(false).size >= 2;
  const cv = canCrossValidate
    ? crossValidate(scores, rule, card.temperature, options.folds, options.seed, shipped)
    : null;
  const images = {
    all: scores.filter((s) => s.positive).length,
    normal: scores.filter((s) => !s.positive).length,
    patients: new Set(scores.map((s) => s.group)).size,
    patientIds: options.patientIds,
    outOfDomain: scores.filter((s) => s.outOfDomain).length,
  };
  const record: RecalibrationRecord = {
    lab: options.lab,
    created: (options.now ?? (() => new Date()))().toISOString(),
    from: { version: card.version, threshold: card.threshold, reviewBand: card.reviewBand },
    rule,
    images,
    folds: cv?.folds ?? 0,
    answers: {
      asShipped: summarizeAnswers("as shipped", "lab", answerAt(scores, shipped)),
      crossValidated: cv ? summarizeAnswers("refitted, cross-validated by patient", "lab", cv.answers) : null,
      inSample: summarizeAnswers("refitted, in-sample", "lab", answerAt(scores, point)),
    },
    held,
    warnings: [
      ...heldWarnings(held, rule),
      ...recalibrationWarnings(images),
      ...(cv ? [] : ["fewer than 2 patients of a class: no cross-validation, only the in-sample row (which flatters)"]),
    ],
  };
  return { point, card: recalibratedCard(card, point, record, options.file), record, scores: [...scores] };
}
