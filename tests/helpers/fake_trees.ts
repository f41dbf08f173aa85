/**
 * Builders of tiny fake dataset trees for prepare_data tests. File content only matters for
 * hashing, so each file holds a short unique text unless a duplicate is asked for.
 *
 * @module
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * Writes `files` (relative path → content) under a new temp folder and returns its path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const root = await writeTree({ "all/a1.png": "x", "hem/b1.png": "y" }); // under the system's temp folder
 * assert.equal(await Deno.readTextFile(`${root}/hem/b1.png`), "y");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function writeTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "fake-dataset-"));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }
  return root;
}

const pad = (n: number) => String(n).padStart(3, "0");

/**
 * A Taleqani tree: `count` files per class in `original/` and `segmented/`, named like the
 * release (`WBC-Benign-001.jpg`, `WBC-Malignant-Pro-001.jpg`). `duplicates` lists
 * [class, keptNumber, droppedNumber] pairs whose bytes are made identical in both variants.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const files = taleqaniFiles(60, [["Pro", 11, 12]]);
 * assert.equal(Object.keys(files).length, 4 * 60 * 2); // four classes, original and segmented
 * assert.equal(files["original/Pro/WBC-Malignant-Pro-012.jpg"], files["original/Pro/WBC-Malignant-Pro-011.jpg"]);
 * ```
 */
export function taleqaniFiles(count: number, duplicates: [string, number, number][] = []): Record<string, string> {
  const files: Record<string, string> = {};
  const name = (
    cls: string,
    n: number,
  ) => (cls === "Benign" ? `WBC-Benign-${pad(n)}.jpg` : `WBC-Malignant-${cls}-${pad(n)}.jpg`);
  for (const cls of ["Benign", "Early", "Pre", "Pro"]) {
    for (let n = 1; n <= count; n++) {
      const dup = duplicates.find(([c, , d]) => c === cls && d === n);
      const src = dup ? dup[1] : n;
      files[`original/${cls}/${name(cls, n)}`] = `orig ${cls} ${src}`;
      files[`segmented/${cls}/${name(cls, n)}`] = `seg ${cls} ${src}`;
    }
  }
  return files;
}

/**
 * A C-NMC tree under `prefix` (e.g. `C-NMC_training_data/`): for each subject, `perSubject`
 * files in `fold_<fold>/<all|hem>/UID_<subject>_<i>_1_<all|hem>.<ext>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const files = cnmcFiles("", [["h3", 2], ["20", 2]], 3, "png");
 * assert.deepEqual(Object.keys(files).slice(0, 2), ["fold_2/hem/UID_h3_1_1_hem.png", "fold_2/hem/UID_h3_2_1_hem.png"]);
 * assert.equal(Object.keys(files).length, 6);
 * ```
 */
export function cnmcFiles(
  prefix: string,
  subjects: [string, number][],
  perSubject: number,
  ext: "bmp" | "png",
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [subject, fold] of subjects) {
    const cls = /^h/i.test(subject) ? "hem" : "all";
    for (let i = 1; i <= perSubject; i++) {
      files[`${prefix}fold_${fold}/${cls}/UID_${subject}_${i}_1_${cls}.${ext}`] = `cnmc ${subject} ${i}`;
    }
  }
  return files;
}
