/**
 * Turning hashed candidates into a split manifest: deduplicate, split by group, attach extra
 * views to train originals only, count, and check for leaks. Pure (no file access).
 *
 * @module
 */
import type { HashedCandidate } from "./candidate.ts";
import { countItems } from "./counts.ts";
import type { DroppedFile, ManifestItem, Split, SplitManifest } from "./split_manifest.ts";
import { assignSplits, type Fold, type GroupInfo, type HoldoutOrder, type SplitFractions } from "./split.ts";
import { manifestLeaks } from "./verify.ts";

/** Everything {@link buildManifest} needs besides the candidates. */
export interface BuildOptions {
  dataset: string;
  root: string;
  seed: number;
  fractions: SplitFractions;
  /** Human-readable description of the grouping, stored in `split.method`. */
  method: string;
  /** How groups are ordered before the cut (default `interleaved`); see {@link HoldoutOrder}. */
  holdout?: HoldoutOrder;
  /** Blocked cross-validation: which part of the non-test groups is val ({@link Fold}; `highest` only). */
  fold?: Fold;
  subtypes?: string[];
  /** Files already known to be left out (e.g. orphan views), kept in `dropped`. */
  dropped?: DroppedFile[];
  warnings?: string[];
  /** ISO date for `created` (defaults to now; fixed in tests). */
  created?: string;
}

/**
 * Builds the manifest. Order of work: (1) exact duplicates (same SHA-256) are dropped, keeping
 * the first by path among originals, then extra views; (2) each group must hold one stratum;
 * (3) groups of originals are assigned with {@link assignSplits}; (4) an extra view is kept only
 * when its original is kept and on train; (5) leak checks must pass, else it throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderCandidates } from "./folders.ts";
 * import { splitFractions } from "./split.ts";
 * const paths = ["all", "hem"].flatMap((c) => Array.from({ length: 20 }, (_, i) => `${c}/${c}-${i + 1}.png`));
 * const { candidates } = folderCandidates(paths, { all: "all", hem: "normal" }, 5);
 * const hashed = candidates.map((c) => ({ ...c, sha256: `sha-of-${c.path}` })); // sha256File of each file
 * const fractions = splitFractions(0.15, 0.15);
 * const m = buildManifest(hashed, {
 *   dataset: "folders", root: "/data/cells", seed: 1, fractions, method: "blocks of 5",
 * });
 * assert.equal(m.items.length, 40);
 * assert.equal(m.counts.test["label:all"] + m.counts.val["label:all"] + m.counts.train["label:all"], 20);
 * ```
 */
export function buildManifest(candidates: readonly HashedCandidate[], opts: BuildOptions): SplitManifest {
  const dropped: DroppedFile[] = [...(opts.dropped ?? [])];
  const byPath = (a: HashedCandidate, b: HashedCandidate) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const originals = candidates.filter((c) => c.view === "original").sort(byPath);
  const views = candidates.filter((c) => c.view !== "original").sort(byPath);

  const firstBySha = new Map<string, string>();
  const keep = (c: HashedCandidate): boolean => {
    const first = firstBySha.get(c.sha256);
    if (first !== undefined) {
      dropped.push({ path: c.path, reason: "duplicate", duplicateOf: first });
      return false;
    }
    firstBySha.set(c.sha256, c.path);
    return true;
  };
  const keptOriginals = originals.filter(keep);

  const groups = new Map<string, GroupInfo>();
  for (const c of keptOriginals) {
    const g = groups.get(c.group);
    if (!g) groups.set(c.group, { id: c.group, stratum: c.stratum, size: 1 });
    else if (g.stratum !== c.stratum) {
      throw new Error(
        `group ${c.group} mixes classes ${g.stratum} and ${c.stratum} (${c.path}); check the class folders of the download`,
      );
    } else g.size++;
  }
  const side = assignSplits([...groups.values()], opts.fractions, opts.seed, opts.holdout ?? "interleaved", opts.fold);
  const splitOfOriginal = new Map<string, Split>(keptOriginals.map((c) => [c.path, side.get(c.group)!]));

  const items: ManifestItem[] = keptOriginals.map((c) => toItem(c, side.get(c.group)!));
  for (const v of views) {
    const origSplit = v.twinOf ? splitOfOriginal.get(v.twinOf) : undefined;
    if (origSplit === undefined) {
      const known = originals.some((o) => o.path === v.twinOf);
      dropped.push({ path: v.path, reason: known ? "original-dropped" : "orphan-view" });
      continue;
    }
    if (origSplit !== "train") {
      dropped.push({ path: v.path, reason: "view-not-train" });
      continue;
    }
    if (keep(v)) items.push(toItem(v, "train"));
  }
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const leaks = manifestLeaks(items);
  if (leaks.length) throw new Error(`split leaks data (a bug in prepare_data):\n${leaks.join("\n")}`);
  return {
    version: 1,
    dataset: opts.dataset,
    root: opts.root,
    created: opts.created ?? new Date().toISOString(),
    split: { seed: opts.seed, fractions: opts.fractions, method: opts.method },
    ...(opts.subtypes ? { subtypes: opts.subtypes } : {}),
    counts: countItems(items),
    items,
    dropped: dropped.sort((a, b) => (a.path < b.path ? -1 : 1)),
    warnings: opts.warnings ?? [],
  };
}

function toItem(c: HashedCandidate, split: Split): ManifestItem {
  return {
    path: c.path,
    label: c.label,
    ...(c.subtype !== undefined ? { subtype: c.subtype } : {}),
    ...(c.subject !== undefined ? { subject: c.subject } : {}),
    group: c.group,
    split,
    sha256: c.sha256,
    view: c.view,
    ...(c.twinOf !== undefined ? { twinOf: c.twinOf } : {}),
  };
}
