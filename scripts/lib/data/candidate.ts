/**
 * A file found in a dataset folder, before hashing, deduplication and splitting.
 *
 * @module
 */
import type { Label } from "../../../model/core/mod.ts";

/** One image as a layout parser sees it. */
export interface Candidate {
  /** Path relative to the dataset root, forward slashes. */
  path: string;
  label: Label;
  subtype?: string;
  subject?: string;
  /** Split unit; every original with the same group lands on the same side. */
  group: string;
  /** Stratum for the split (fractions are met per stratum): a class or label. */
  stratum: string;
  /** `original`, or an extra view (e.g. `segmented`). */
  view: string;
  /** For extra views: path of the original this view was made from. */
  twinOf?: string;
}

/** A candidate with the SHA-256 of its bytes. */
export type HashedCandidate = Candidate & { sha256: string };
