/**
 * The split manifest written by `scripts/prepare_data.ts` and read by training, evaluation,
 * calibration and export: which image is in which split, with its label and hash.
 *
 * @module
 */
import type { Label } from "../../../model/core/mod.ts";
import { readFile } from "node:fs/promises";

/** One of the three sides of a split. */
export type Split = "train" | "val" | "test";

/** One image of the dataset. */
export interface ManifestItem {
  /** Path relative to {@link SplitManifest.root}, with forward slashes. */
  path: string;
  label: Label;
  /** Finer class when known (Taleqani: Benign/Early/Pre/Pro; C-NMC: none). */
  subtype?: string;
  /** Patient/subject id when known. */
  subject?: string;
  /**
   * Unit of splitting: every item with the same group is on the same side (a subject, a merged
   * duplicate group, or a contiguous file-number block).
   */
  group: string;
  split: Split;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  /**
   * `original`, or an extra view of an original such as `segmented`. Extra views appear only on
   * the training side and always share their original's group.
   */
  view: string;
  /** For extra views: {@link ManifestItem.path} of the original the view was made from. */
  twinOf?: string;
}

/** A file left out of the manifest, and why. */
export interface DroppedFile {
  path: string;
  /**
   * `duplicate` (same SHA-256 as `duplicateOf`, which was kept), `view-not-train` (extra view of a
   * val/test original), `orphan-view` (extra view without its original), `original-dropped`
   * (extra view whose original was dropped as a duplicate).
   */
  reason: "duplicate" | "view-not-train" | "orphan-view" | "original-dropped";
  duplicateOf?: string;
}

/** The whole manifest (JSON). */
export interface SplitManifest {
  /** Format version of this file. */
  version: 1;
  /** Dataset kind: `cnmc`, `taleqani`, or `folders`. */
  dataset: string;
  /** Absolute path of the dataset folder the paths are relative to. */
  root: string;
  created: string;
  /** Seed and fractions used to split. */
  split: { seed: number; fractions: Record<Split, number>; method: string };
  /** Subtype names in a stable order, when the dataset has them. */
  subtypes?: string[];
  /** Counts per split and label (and subtype). */
  counts: Record<string, Record<string, number>>;
  items: ManifestItem[];
  /** Files found but left out (duplicates, extra views of val/test originals…); optional. */
  dropped?: DroppedFile[];
  /** Problems seen while preparing that did not stop it; optional. */
  warnings?: string[];
}

/**
 * Reads and checks a manifest file.
 *
 * @example
 * ```ts
 * const m = await readSplitManifest("runs/taleqani/manifest.json");
 * const train = m.items.filter((i) => i.split === "train");
 * ```
 */
export async function readSplitManifest(file: string): Promise<SplitManifest> {
  let m: SplitManifest;
  try {
    m = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read split manifest ${file}: ${(err as Error).message}; run scripts/prepare_data.ts first`);
  }
  if (m.version !== 1 || !Array.isArray(m.items)) {
    throw new Error(`${file} is not a split manifest (version 1); re-run scripts/prepare_data.ts`);
  }
  return m;
}
