/**
 * A lab's labelled images for a recalibration: a folder with one sub-folder per class
 * (`all/`, and `normal/`, `hem/` or `benign/`), each holding either the images or one folder per
 * patient (`all/<patient>/<image>`), which lets the cross-validation and the intervals keep a
 * patient's images together.
 *
 * @module
 */
import type { Label } from "../../../model/core/mod.ts";
import type { ClassMap } from "../data/folders.ts";

/** One labelled lab image. */
export interface LabImage {
  /** Path relative to the lab folder, forward slashes. */
  path: string;
  label: Label;
  /** `<class>/<patient>` with patient folders, else `image:<path>` (each image its own unit). */
  group: string;
}

/** The lab folder read. */
export interface LabFolder {
  images: LabImage[];
  /** Top-level folders that name no class (skipped). */
  unmapped: string[];
  /** Images directly under a class folder while others sit in patient folders (a mixed layout; empty otherwise). */
  loose: string[];
  /** True when every image sits in a patient folder. */
  patientIds: boolean;
}

/**
 * The labelled images among `paths` (relative, forward slashes, as `listImageFiles` returns them):
 * the first folder names the class (case-insensitive, through `classes`), a second folder, if any,
 * the patient. Images deeper than `<class>/<patient>/<image>` keep the patient folder as group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CLASS_MAP } from "../data/folders.ts";
 * const lab = labFolder(["ALL/p1/a.png", "ALL/p1/b.png", "hem/p7/c.jpg", "notes/x.png"], DEFAULT_CLASS_MAP);
 * assert.deepEqual(lab.images.map((i) => [i.label, i.group]), [["all", "all/p1"], ["all", "all/p1"], ["normal", "hem/p7"]]);
 * assert.deepEqual([lab.unmapped, lab.patientIds], [["notes"], true]);
 * // without patient folders each image is its own unit
 * const flat = labFolder(["all/a.png", "normal/b.png"], DEFAULT_CLASS_MAP);
 * assert.deepEqual(flat.images.map((i) => i.group), ["image:all/a.png", "image:normal/b.png"]);
 * assert.deepEqual([flat.patientIds, flat.loose], [false, []]);
 * // a mixed layout names the loose images
 * assert.deepEqual(labFolder(["all/p1/a.png", "all/b.png"], DEFAULT_CLASS_MAP).loose, ["all/b.png"]);
 * ```
 */
export function labFolder(paths: readonly string[], classes: ClassMap): LabFolder {
  const images: LabImage[] = [];
  const unmapped = new Set<string>();
  const loose: string[] = [];
  for (const path of paths) {
    const parts = path.split("/");
    if (parts.length < 2) {
      unmapped.add(".");
      continue;
    }
    const label = classes[parts[0].toLowerCase()];
    if (!label) {
      unmapped.add(parts[0]);
      continue;
    }
    if (parts.length === 2) loose.push(path);
    const group = parts.length >= 3 ? `${parts[0].toLowerCase()}/${parts[1]}` : `image:${path}`;
    images.push({ path, label, group });
  }
  const patientIds = images.length > 0 && loose.length === 0;
  const mixed = loose.length > 0 && loose.length < images.length;
  return { images, unmapped: [...unmapped].sort(), loose: mixed ? loose : [], patientIds };
}

/**
 * Why a lab's images are too few to refit on, or `undefined` when they will do: at least
 * `minPerClass` images of each class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const imgs = (label: "all" | "normal", n: number) => Array.from({ length: n }, (_, i) => ({ path: `${label}/${i}.png`, label, group: `g${i}` }));
 * assert.equal(tooFew([...imgs("all", 20), ...imgs("normal", 20)], 20), undefined);
 * assert.equal(
 *   tooFew([...imgs("all", 20), ...imgs("normal", 19)], 20),
 *   "19 normal images (at least 20 needed): add labelled normal images under normal/ (or hem/, benign/)",
 * );
 * ```
 */
export function tooFew(images: readonly LabImage[], minPerClass: number): string | undefined {
  for (const label of ["all", "normal"] as const) {
    const n = images.filter((i) => i.label === label).length;
    if (n < minPerClass) {
      const where = label === "all" ? "all/" : "normal/ (or hem/, benign/)";
      return `${n} ${label} images (at least ${minPerClass} needed): add labelled ${label} images under ${where}`;
    }
  }
  return undefined;
}
