/**
 * Thinning one class of a manifest's training side, for a learning curve: how much does the
 * model lose on new patients when it trains on fewer of them (`by: "blocks"`, whole file-number
 * blocks or subjects left out), and how much when it trains on as few images of the same patients
 * (`by: "files"`, every block kept with fewer of its files)? Validation and test are never touched.
 *
 * @module
 */
import type { Label } from "../../../model/core/mod.ts";
import { countItems } from "./counts.ts";
import { hashString, seededRandom, shuffled } from "./random.ts";
import type { DroppedFile, ManifestItem, SplitManifest } from "./split_manifest.ts";

/** What is left out: whole groups (`blocks`) or files within every group (`files`). */
export type ThinBy = "blocks" | "files";

/** Which class of the training side to thin, and how. */
export interface ThinOptions {
  /** the class thinned; the other class keeps every training image */
  label: Label;
  /** share kept, 0 < fraction ≤ 1 (of the groups, or of each group's originals) */
  fraction: number;
  by: ThinBy;
  /** which groups or files are kept (the same seed keeps the same ones) */
  seed: number;
}

/** The manifest's record of a thinning (`SplitManifest.thinned`). */
export interface ThinRecord extends ThinOptions {
  /** groups and original images of the class on the training side, before and after */
  before: { groups: number; originals: number };
  after: { groups: number; originals: number };
}

/** A manifest whose training side was thinned; dropped files carry reason `thinned`. */
export type ThinnedManifest = SplitManifest & { thinned: ThinRecord };

/**
 * Keeps `fraction` of one class's training groups (`blocks`: `max(1, round(fraction × groups))`
 * whole groups, seeded) or of each of its training groups' originals (`files`:
 * `max(1, round(fraction × n))` per group, seeded per group), with the extra views (segmented
 * twins) of the originals kept. Everything else is unchanged; counts are recounted; the removed
 * files are listed under `dropped` with reason `thinned`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ManifestItem, SplitManifest } from "./split_manifest.ts";
 * const items: ManifestItem[] = [];
 * for (let g = 0; g < 4; g++) {
 *   for (let i = 0; i < 10; i++) {
 *     const path = `original/Benign/b-${g * 10 + i + 1}.jpg`;
 *     items.push({ path, label: "normal", group: `Benign:${g}`, split: "train", sha256: path, view: "original" });
 *   }
 * }
 * items.push({ path: "original/Early/e-1.jpg", label: "all", group: "Early:0", split: "train", sha256: "e", view: "original" });
 * const m: SplitManifest = {
 *   version: 1, dataset: "taleqani", root: "/data", created: "2026-12-06T00:00:00Z",
 *   split: { seed: 1, fractions: { train: 1, val: 0, test: 0 }, method: "blocks of 10" }, counts: {}, items,
 * };
 * const blocks = thinTraining(m, { label: "normal", fraction: 0.5, by: "blocks", seed: 1 });
 * const files = thinTraining(m, { label: "normal", fraction: 0.5, by: "files", seed: 1 });
 * assert.deepEqual(blocks.thinned.after, { groups: 2, originals: 20 }); // half the patients
 * assert.deepEqual(files.thinned.after, { groups: 4, originals: 20 }); // as many images, every patient
 * assert.equal(blocks.counts.train["label:all"], 1); // the other class is untouched
 * ```
 */
export function thinTraining(manifest: SplitManifest, options: ThinOptions): ThinnedManifest {
  const { label, fraction, by, seed } = options;
  if (!(fraction > 0 && fraction <= 1)) {
    throw new RangeError(`the share kept must be in (0, 1], got ${fraction}`);
  }
  const isCandidate = (it: ManifestItem) => it.split === "train" && it.label === label;
  const originals = manifest.items.filter((it) => isCandidate(it) && it.view === "original");
  if (originals.length === 0) {
    throw new Error(`the manifest has no training images of class "${label}" to thin`);
  }
  const byGroup = new Map<string, ManifestItem[]>();
  for (const it of originals) {
    const group = byGroup.get(it.group);
    if (group) group.push(it);
    else byGroup.set(it.group, [it]);
  }
  const groups = [...byGroup.keys()].sort();
  const kept = new Set<string>();
  if (by === "blocks") {
    const n = Math.max(1, Math.round(fraction * groups.length));
    for (const g of shuffled(groups, seededRandom(seed)).slice(0, n)) {
      for (const it of byGroup.get(g)!) kept.add(it.path);
    }
  } else {
    for (const g of groups) {
      const files = byGroup.get(g)!.map((it) => it.path).sort();
      const n = Math.max(1, Math.round(fraction * files.length));
      for (const p of shuffled(files, seededRandom((seed ^ hashString(g)) >>> 0)).slice(0, n)) kept.add(p);
    }
  }
  const keep = (it: ManifestItem) =>
    !isCandidate(it) || kept.has(it.view === "original" ? it.path : (it.twinOf ?? it.path));
  const items = manifest.items.filter(keep);
  const dropped: DroppedFile[] = manifest.items.filter((it) => !keep(it)).map((it) => ({
    path: it.path,
    reason: "thinned",
  }));
  const keptGroups = new Set(originals.filter((it) => kept.has(it.path)).map((it) => it.group));
  const record: ThinRecord = {
    ...options,
    before: { groups: groups.length, originals: originals.length },
    after: { groups: keptGroups.size, originals: kept.size },
  };
  return {
    ...manifest,
    split: {
      ...manifest.split,
      method: `${manifest.split.method}; training ${label} thinned to ${record.after.groups} of ${groups.length} ` +
        `groups, ${record.after.originals} of ${originals.length} originals (by ${by}, seed ${seed})`,
    },
    counts: countItems(items),
    items,
    dropped: [...(manifest.dropped ?? []), ...dropped],
    thinned: record,
  };
}
