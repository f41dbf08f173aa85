/**
 * Reading a dataset folder as users download it and producing its split manifest.
 *
 * @module
 */
import { resolve } from "node:path";
import { buildManifest } from "./build.ts";
import type { Candidate, HashedCandidate } from "./candidate.ts";
import { CNMC_DUPLICATE_GROUPS, cnmcCandidates } from "./cnmc.ts";
import { type DatasetKind, detectKind } from "./detect.ts";
import { listImageFiles, sha256File } from "./files.ts";
import { type ClassMap, DEFAULT_CLASS_MAP, folderCandidates } from "./folders.ts";
import type { DroppedFile, SplitManifest } from "./split_manifest.ts";
import { type Fold, type HoldoutOrder, splitFractions } from "./split.ts";
import { TALEQANI_SUBTYPES, taleqaniCandidates } from "./taleqani.ts";

/** Options of {@link prepareDataset}. */
export interface PrepareOptions {
  /** Layout, or `auto` to detect it. */
  kind: DatasetKind | "auto";
  seed: number;
  val: number;
  test: number;
  /**
   * How groups are cut into test/val/train (see {@link HoldoutOrder}). Default: `highest` for
   * datasets split by file-number blocks (no patient ids: the highest blocks are the new
   * patients), `interleaved` for datasets split by subject.
   */
  holdout?: HoldoutOrder;
  /**
   * Blocked cross-validation ({@link Fold}): val is part `index` of `count` of the non-test blocks,
   * `val` is not used; the test block is the one the default split holds out. `highest` only.
   */
  fold?: Fold;
  /** Numbers per contiguous block for datasets without subjects (default 20). */
  blockSize?: number;
  /** Folder → label map for `folders` (default {@link DEFAULT_CLASS_MAP}). */
  classMap?: ClassMap;
  created?: string;
}

/**
 * Lists, parses, hashes and splits a dataset folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a <class>/ folder tree (here a small fake one; usually a download such as ../shared/taleqani_all)
 * const root = await Deno.makeTempDir();
 * for (const cls of ["blast", "normal"]) {
 *   await Deno.mkdir(`${root}/${cls}`);
 *   for (let i = 1; i <= 20; i++) {
 *     await Deno.writeTextFile(`${root}/${cls}/cell-${String(i).padStart(3, "0")}.png`, `${cls} ${i}`);
 *   }
 * }
 * const m = await prepareDataset(root, {
 *   kind: "auto", seed: 1, val: 0.15, test: 0.15, blockSize: 5, classMap: { blast: "all", normal: "normal" },
 * });
 * assert.equal(m.dataset, "folders");
 * assert.equal(m.items.length, 40);
 * assert.ok(m.counts.val.total > 0 && m.counts.test.total > 0);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function prepareDataset(dataset: string, opts: PrepareOptions): Promise<SplitManifest> {
  const root = resolve(dataset);
  const paths = await listImageFiles(root);
  const kind = opts.kind === "auto" ? detectKind(paths, root) : opts.kind;
  if (paths.length === 0) detectKind(paths, root);
  const blockSize = opts.blockSize ?? 20;
  const dropped: DroppedFile[] = [];
  const warnings: string[] = [];
  let candidates: Candidate[];
  let method: string;
  const holdout: HoldoutOrder = opts.holdout ?? (kind === "cnmc" ? "interleaved" : "highest");
  if (opts.fold && holdout !== "highest") {
    throw new Error(`--fold cuts contiguous blocks: it needs --holdout highest, not ${holdout}`);
  }
  const cut = opts.fold
    ? `test = the highest-numbered blocks of each class, val = part ${opts.fold.index} of ${opts.fold.count} of the blocks below (counting down), train = the other parts`
    : holdout === "highest"
    ? "test = the highest-numbered blocks of each class, val = the blocks just below"
    : "blocks shuffled (seeded) before the cut";
  let subtypes: string[] | undefined;
  if (kind === "cnmc") {
    candidates = cnmcCandidates(paths);
    method = `by subject; merged duplicate groups ${
      CNMC_DUPLICATE_GROUPS.map((g) => g.join("+")).join(", ")
    }; stratified by label`;
  } else if (kind === "taleqani") {
    const r = taleqaniCandidates(paths, blockSize);
    candidates = r.candidates;
    for (const p of r.orphans) dropped.push({ path: p, reason: "orphan-view" });
    method =
      `contiguous file-number blocks of ${blockSize} per class; ${cut}; stratified by class; segmented twins on train only`;
    subtypes = TALEQANI_SUBTYPES.filter((s) => candidates.some((c) => c.subtype === s));
  } else {
    const r = folderCandidates(paths, opts.classMap ?? DEFAULT_CLASS_MAP, blockSize);
    candidates = r.candidates;
    if (r.unmapped.length) warnings.push(`class folders not in --map, skipped: ${r.unmapped.join(", ")}`);
    method = `contiguous file-number blocks of ${blockSize} per class folder; ${cut}; stratified by class folder`;
    const st = [...new Set(candidates.map((c) => c.subtype).filter((s): s is string => !!s))].sort();
    subtypes = st.length ? st : undefined;
  }
  if (candidates.length === 0) {
    throw new Error(`no ${kind} images recognised under ${root} (${paths.length} image files); check --kind and --map`);
  }
  const labels = new Set(candidates.map((c) => c.label));
  if (labels.size < 2) warnings.push(`only label ${[...labels][0]} found; metrics need both all and normal`);
  const hashed: HashedCandidate[] = [];
  for (const c of candidates) hashed.push({ ...c, sha256: await sha256File(`${root}/${c.path}`) });
  return buildManifest(hashed, {
    dataset: kind,
    root,
    seed: opts.seed,
    fractions: opts.fold
      ? splitFractions((1 - opts.test) / opts.fold.count, opts.test)
      : splitFractions(opts.val, opts.test),
    method,
    holdout,
    fold: opts.fold,
    subtypes,
    dropped,
    warnings,
    created: opts.created,
  });
}
