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
   * (extra view whose original was dropped as a duplicate), `thinned` (left out of the training
   * side by `prepare --thin`, for a learning curve).
   */
  reason: "duplicate" | "view-not-train" | "orphan-view" | "original-dropped" | "thinned";
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
 * import assert from "node:assert/strict";
 * // prepare_data writes runs/<dataset>/manifest.json; a minimal one here
 * const dir = await Deno.makeTempDir();
 * const manifest: SplitManifest = {
 *   version: 1, dataset: "folders", root: "/data/cells", created: "2025-01-01T00:00:00Z",
 *   split: { seed: 1, fractions: { train: 0.7, val: 0.15, test: 0.15 }, method: "blocks of 20" }, counts: {},
 *   items: [{ path: "all/1.png", label: "all", group: "all:001-020", split: "train", sha256: "ab", view: "original" }],
 * };
 * await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest));
 * const m = await readSplitManifest(`${dir}/manifest.json`);
 * const train = m.items.filter((i) => i.split === "train");
 * assert.equal(train.length, 1);
 * await assert.rejects(readSplitManifest(`${dir}/none.json`), /run scripts\/prepare_data.ts first/);
 * await Deno.remove(dir, { recursive: true });
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
