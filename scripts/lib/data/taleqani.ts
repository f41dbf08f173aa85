/**
 * Taleqani Hospital ALL layout: `<root>/{original,segmented}/{Benign,Early,Pre,Pro}/*.jpg`, or
 * only the class folders. Kaggle-style class names such as `[Malignant] early Pre-B` are accepted.
 *
 * @module
 */
import { blockGroups } from "./blocks.ts";
import type { Candidate } from "./candidate.ts";

/** The four Taleqani classes, in a stable order. */
export const TALEQANI_SUBTYPES = ["Benign", "Early", "Pre", "Pro"] as const;

/** One Taleqani class. */
export type TaleqaniSubtype = typeof TALEQANI_SUBTYPES[number];

/**
 * The Taleqani class named by a folder, or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(taleqaniClass("Pro"), "Pro");
 * assert.equal(taleqaniClass("[Malignant] early Pre-B"), "Early");
 * assert.equal(taleqaniClass("hem"), undefined);
 * ```
 */
export function taleqaniClass(folder: string): TaleqaniSubtype | undefined {
  const f = folder.toLowerCase();
  if (f === "benign" || f.includes("benign") || f.includes("hematogone")) return "Benign";
  if (f === "early" || f.includes("early")) return "Early";
  if (f === "pro" || /\bpro\b|pro-b/.test(f)) return "Pro";
  if (f === "pre" || /\bpre\b|pre-b/.test(f)) return "Pre";
  return undefined;
}

/** `original` or `segmented` from a variant folder name, or undefined. */
function variantOf(folder: string): "original" | "segmented" | undefined {
  const f = folder.toLowerCase();
  if (f === "original" || f === "originals") return "original";
  if (f === "segmented" || f === "segmentation") return "segmented";
  return undefined;
}

/**
 * Candidates for Taleqani files: `Benign` → normal, `Early/Pre/Pro` → all (subtype kept). Originals
 * are grouped by contiguous file-number blocks per class; a segmented file becomes an extra view
 * of the original with the same class and file name (`twinOf`), and has no candidate if that
 * original is missing (it is then reported by the caller as an orphan).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { candidates } = taleqaniCandidates(
 *   ["original/Pro/WBC-Malignant-Pro-011.jpg", "segmented/Pro/WBC-Malignant-Pro-011.jpg"],
 *   20,
 * );
 * const [original, segmented] = candidates;
 * assert.deepEqual([original.group, original.stratum, original.label], ["Pro:001-020", "Pro", "all"]);
 * assert.deepEqual([segmented.view, segmented.twinOf, segmented.group], ["segmented", original.path, original.group]);
 * ```
 */
export function taleqaniCandidates(
  paths: readonly string[],
  blockSize: number,
): { candidates: Candidate[]; orphans: string[] } {
  type Parsed = { path: string; cls: TaleqaniSubtype; variant: "original" | "segmented"; name: string };
  const parsed: Parsed[] = [];
  for (const path of paths) {
    const parts = path.split("/");
    if (parts.length < 2) continue;
    const cls = taleqaniClass(parts[parts.length - 2]);
    if (!cls) continue;
    const variant = parts.length >= 3 ? variantOf(parts[parts.length - 3]) ?? "original" : "original";
    parsed.push({ path, cls, variant, name: parts[parts.length - 1] });
  }
  const originals = parsed.filter((p) => p.variant === "original");
  const byKey = new Map(originals.map((p) => [`${p.cls}/${p.name}`, p.path]));
  const candidates: Candidate[] = [];
  for (const cls of TALEQANI_SUBTYPES) {
    const own = originals.filter((p) => p.cls === cls);
    const groups = blockGroups(own.map((p) => p.path), cls, blockSize);
    for (const p of own) {
      candidates.push({
        path: p.path,
        label: cls === "Benign" ? "normal" : "all",
        subtype: cls,
        group: groups.get(p.path)!,
        stratum: cls,
        view: "original",
      });
    }
  }
  const orphans: string[] = [];
  const groupOf = new Map(candidates.map((c) => [c.path, c.group]));
  for (const p of parsed.filter((q) => q.variant === "segmented")) {
    const twinOf = byKey.get(`${p.cls}/${p.name}`);
    if (!twinOf) {
      orphans.push(p.path);
      continue;
    }
    candidates.push({
      path: p.path,
      label: p.cls === "Benign" ? "normal" : "all",
      subtype: p.cls,
      group: groupOf.get(twinOf)!,
      stratum: p.cls,
      view: "segmented",
      twinOf,
    });
  }
  return { candidates, orphans };
}
