/**
 * Recognising which dataset layout a folder holds.
 *
 * @module
 */
import { isCnmcPath } from "./cnmc.ts";
import { taleqaniClass } from "./taleqani.ts";

/** Layouts prepare_data understands. */
export type DatasetKind = "cnmc" | "taleqani" | "folders";

/**
 * Detects the layout from the relative image paths: C-NMC if any path is
 * `…/fold_N/{all,hem}/UID_…`; Taleqani if files sit in at least two class folders named like
 * Benign/Early/Pre/Pro; generic folders if at least two top-level folders hold images.
 * Throws with advice when nothing fits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const taleqani = ["original/Benign/WBC-Benign-001.jpg", "original/Pro/WBC-Malignant-Pro-001.jpg"];
 * assert.equal(detectKind(taleqani), "taleqani");
 * assert.equal(detectKind(["C-NMC_training_data/fold_0/all/UID_11_10_1_all.bmp"]), "cnmc");
 * assert.equal(detectKind(["blast/1.png", "normal/2.png"]), "folders");
 * assert.throws(() => detectKind([]), /no image files/);
 * ```
 */
export function detectKind(paths: readonly string[], root = "the dataset folder"): DatasetKind {
  if (paths.length === 0) {
    throw new Error(
      `no image files (.bmp/.png/.jpg/.tif) under ${root}; check --dataset points at the unpacked download`,
    );
  }
  if (paths.some(isCnmcPath)) return "cnmc";
  const classes = new Set(
    paths.map((p) => p.split("/")).filter((s) => s.length >= 2).map((s) => taleqaniClass(s[s.length - 2])),
  );
  classes.delete(undefined);
  if (classes.size >= 2) return "taleqani";
  const top = new Set(paths.filter((p) => p.split("/").length === 2).map((p) => p.split("/")[0]));
  if (top.size >= 2) return "folders";
  throw new Error(
    `unknown dataset layout under ${root} (${paths.length} images, e.g. ${
      paths[0]
    }); expected C-NMC fold_N/{all,hem}/, ` +
      `Taleqani {original,segmented}/{Benign,Early,Pre,Pro}/, or <class>/ folders; pass --kind to force one`,
  );
}
