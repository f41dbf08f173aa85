/**
 * The audit trail's records: what the service remembers of each prediction and what a reviewer
 * says about it. The service stores and exports them (`GET /v1/feedback`, NDJSON); the pipeline
 * reads that export back as training data (`scripts/ingest_feedback.ts`), so the shape is part of
 * the contract between the two.
 *
 * @module
 */
import type { Decision, Label } from "../card/card.ts";

/** One prediction as the service made it. */
export interface PredictionRecord {
  /**
   * The id the server issued for the request (a UUID; older records may hold a client-chosen id,
   * which can repeat, so lookups still allow several records per id).
   */
  requestId: string;
  /** The client's own `X-Request-Id`, when it sent a well-formed one (not a key: it may repeat). */
  clientRequestId?: string;
  /** Position in a batch request (0 for single-image routes). */
  index: number;
  route: string;
  /** SHA-256 hex of the uploaded file's bytes. */
  inputSha256: string;
  model: { id: string; version: string; sha256: string };
  label: Label;
  scores: { all: number; normal: number };
  decision: Decision;
  /** ISO time of the prediction. */
  ts: string;
}

/** A reviewer's label for one prediction. */
export interface FeedbackRecord {
  /** Sortable unique id: `<ISO time>_<random>`. */
  id: string;
  ts: string;
  /** The label the reviewer gives the image. */
  label: Label;
  reviewer?: string;
  note?: string;
  /**
   * The lab's pseudonymous id of the case (patient or sample) the image belongs to, so that
   * retraining and recalibration keep a case's images together; never a name or record number.
   */
  caseId?: string;
  /** The prediction it is about (carries requestId and inputSha256). */
  prediction: PredictionRecord;
}
