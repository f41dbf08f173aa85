/**
 * C-NMC 2019 layout: `…/fold_{0,1,2}/{all,hem}/UID_<subject>_<image>_<cell>_<all|hem>.{bmp,png}`
 * (TCIA `C-NMC_training_data/`, Kaggle `C-NMC_Leukemia/training_data/`, or the staged subset).
 *
 * @module
 */
import type { Candidate } from "./candidate.ts";

/**
 * Subjects that share byte-identical images in the original training data and must be split as
 * one unit (from the `byte_identical_to` column of the C-NMC reference index: UID_20 = UID_21;
 * UID_51 = UID_75, UID_78; H2 = H4, H5, H6; H10 = h3). Ids are normalised (upper-case `H`).
 */
export const CNMC_DUPLICATE_GROUPS: readonly (readonly string[])[] = [
  ["20", "21"],
  ["51", "75", "78"],
  ["H2", "H4", "H5", "H6"],
  ["H10", "H3"],
];

/** Matches a C-NMC training file path; captures fold, class folder and subject. */
const CNMC_PATH = /(?:^|\/)fold_(\d+)\/(all|hem)\/(UID_([Hh]?\d+)_[^/]*)$/i;

/**
 * Normalised subject id from a C-NMC file name: `UID_h3_…` → "H3", `UID_20_…` → "20".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cnmcSubject("UID_h3_12_1_hem.bmp"), "H3");
 * assert.equal(cnmcSubject("UID_51_3_2_all.png"), "51");
 * ```
 */
export function cnmcSubject(fileName: string): string | undefined {
  const m = fileName.match(/^UID_([Hh]?)(\d+)_/);
  return m ? `${m[1].toUpperCase()}${m[2]}` : undefined;
}

/**
 * The split group of a subject: its merged duplicate group, or the subject itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cnmcGroup("21"), "cnmc:20+21"); // a known duplicate pair: one group
 * assert.equal(cnmcGroup("H3"), "cnmc:H10+H3");
 * assert.equal(cnmcGroup("7"), "cnmc:7");
 * ```
 */
export function cnmcGroup(subject: string): string {
  const g = CNMC_DUPLICATE_GROUPS.find((members) => members.includes(subject));
  return `cnmc:${g ? g.join("+") : subject}`;
}

/**
 * True when a path looks like a C-NMC training file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isCnmcPath("C-NMC_training_data/fold_0/all/UID_11_10_1_all.bmp"), true);
 * assert.equal(isCnmcPath("all/UID_11_10_1_all.bmp"), false);
 * ```
 */
export function isCnmcPath(path: string): boolean {
  return CNMC_PATH.test(path);
}

/**
 * Candidates for the C-NMC files among `paths` (other files are ignored, e.g. test-phase images).
 * Label comes from the class folder (`all` → all, `hem` → normal); a subject whose id disagrees
 * with its folder (`H…` under `all/`) is an error because the download is then mislabelled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(cnmcCandidates(["fold_2/hem/UID_h3_1_1_hem.png"]), [{
 *   path: "fold_2/hem/UID_h3_1_1_hem.png", label: "normal", subject: "H3", group: "cnmc:H10+H3",
 *   stratum: "normal", view: "original",
 * }]);
 * ```
 */
export function cnmcCandidates(paths: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  for (const path of paths) {
    const m = path.match(CNMC_PATH);
    if (!m) continue;
    const label = m[2].toLowerCase() === "all" ? "all" : "normal";
    const subject = cnmcSubject(m[3])!;
    if ((subject.startsWith("H")) !== (label === "normal")) {
      throw new Error(
        `${path}: subject ${subject} does not match its folder ${
          m[2]
        } (UID_H… files belong in hem/); fix or remove the file`,
      );
    }
    out.push({ path, label, subject, group: cnmcGroup(subject), stratum: label, view: "original" });
  }
  return out;
}
