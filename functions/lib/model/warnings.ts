/**
 * What the service says about the model it serves when the model runs without part of its safety
 * net: a card with no input-domain check (`domain`) answers every image, however unlike its
 * training images, and a card whose check has only the per-statistic ranges (no
 * `domain.features`) lets images from other labs or of other kinds through with a confident
 * answer. `GET /readyz` lists these warnings (always, `[]` when there are none), `GET /v1/model`
 * adds them when there are some, and the entries log each once at start-up
 * ({@link modelWarningLogs}). `/readyz` also lists the cell classifier's `cells_unavailable`
 * (`functions/lib/cells/model.ts`) when `/v1/cells` has no model. A card recalibrated for a lab
 * (`deno task recalibrate`) on images without patient ids carries `recalibrated_without_patients`:
 * its cross-validated numbers put one patient's images on both sides of a fold and flatter it.
 *
 * @module
 */
import type { DomainCheck } from "../../../model/core/mod.ts";

/** The part of a model card the warnings read (`noDomainCheck`: the note a card written with `--no-domain` carries). */
export interface WarnedCard {
  domain?: DomainCheck;
  noDomainCheck?: unknown;
  /** A lab's recalibration record (`scripts/lib/recalibrate/card.ts`); only `lab` and `images` are read. */
  recalibration?: unknown;
}

/** A warning about the served model, by its stable `code`. */
export interface ModelWarning {
  /**
   * `no_domain_check`: the card has no `domain`; `no_feature_check`: its `domain` has ranges but
   * no feature distance (`domain.features`); `cells_unavailable`: the configured cell classifier
   * (`CELL_MODEL`) is missing or failed to load, so `/v1/cells` answers 503 (`../cells/model.ts`);
   * `recalibrated_without_patients`: the card's operating point was recalibrated for a lab on images
   * without patient ids, so its cross-validated numbers are optimistic.
   */
  code: "no_domain_check" | "no_feature_check" | "cells_unavailable" | "recalibrated_without_patients";
  /** What it means for the answers, and what to do. */
  message: string;
}

/**
 * The warnings for a card: none when it has the feature-distance domain check and was not
 * recalibrated on images without patient ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseModelCard } from "../../../model/core/mod.ts";
 * const read = async (p: string) => parseModelCard(JSON.parse(await Deno.readTextFile(p)));
 * assert.deepEqual(modelWarnings(await read("model/all-v5.int8.json")), []);
 * assert.deepEqual(modelWarnings(await read("model/all-v4.int8.json")).map((w) => w.code), ["no_feature_check"]);
 * assert.deepEqual(modelWarnings({}).map((w) => w.code), ["no_domain_check"]);
 * const lab = { lab: "Lab A", images: { all: 300, normal: 120, patients: 420, patientIds: false } };
 * assert.deepEqual(modelWarnings({ recalibration: lab }).map((w) => w.code), ["no_domain_check", "recalibrated_without_patients"]);
 * ```
 */
export function modelWarnings(card: WarnedCard): ModelWarning[] {
  return [...domainWarnings(card), ...recalibratedWithoutPatients(card.recalibration)];
}

/** `recalibrated_without_patients` when the record says its images had no patient ids. */
function recalibratedWithoutPatients(record: unknown): ModelWarning[] {
  if (typeof record !== "object" || record === null) return [];
  const { lab, images } = record as {
    lab?: unknown;
    images?: { patientIds?: unknown; all?: unknown; normal?: unknown };
  };
  if (images?.patientIds !== false) return [];
  const whose = typeof lab === "string" ? ` for ${lab}` : "";
  const n = typeof images.all === "number" && typeof images.normal === "number"
    ? ` on ${images.all + images.normal} images`
    : "";
  return [{
    code: "recalibrated_without_patients",
    message: `the operating point was recalibrated${whose}${n} with images that have no patient id, each counted as ` +
      `its own patient: its cross-validated numbers (recalibration.answers in /v1/model) can put one patient's ` +
      `images on both sides of a fold, which flatters them. Recalibrate with one folder per patient ` +
      `(all/<patient>/…) or feedback with caseId (deno task ingest), and serve that card.`,
  }];
}

/** `no_domain_check` or `no_feature_check`, or none when the card has the feature distance. */
function domainWarnings(card: WarnedCard): ModelWarning[] {
  if (!card.domain) {
    const optedOut = typeof card.noDomainCheck === "string" ? ` (the card says why: "${card.noDomainCheck}")` : "";
    return [{
      code: "no_domain_check",
      message: `the model's card has no input-domain check ("domain")${optedOut}: images unlike its training ` +
        `images (other labs, other framings, not microscopy) get an answer instead of "review". Serve a model ` +
        `whose card has one (deno task card fits it from the run's training images).`,
    }];
  }
  if (!card.domain.features) {
    return [{
      code: "no_feature_check",
      message: `the model's input-domain check has per-statistic ranges only, no feature distance ` +
        `("domain.features"): images from other labs or of other kinds can pass it and get a confident ` +
        `answer instead of "review". Fit the feature check (deno task domain --features) and write the card again.`,
    }];
  }
  return [];
}

/**
 * The start-up log lines for a card's warnings: one `{level: "warn", event: "model_warning",
 * code, message}` per warning (none for a card without warnings).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [line] = modelWarningLogs({ domain: { ranges: { meanR: [0.1, 0.9] } } }, "2026-01-01T00:00:00.000Z");
 * assert.deepEqual(
 *   [line.level, line.event, line.code, line.ts],
 *   ["warn", "model_warning", "no_feature_check", "2026-01-01T00:00:00.000Z"],
 * );
 * ```
 */
export function modelWarningLogs(
  card: WarnedCard,
  ts: string = new Date().toISOString(),
): { ts: string; level: "warn"; event: "model_warning"; code: ModelWarning["code"]; message: string }[] {
  return modelWarnings(card).map((w) => ({ ts, level: "warn", event: "model_warning", ...w }));
}
