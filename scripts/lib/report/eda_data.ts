/**
 * The numbers behind the EDA report, from a split manifest and per-image measurements: counts per
 * split/class/view, size and file-size summaries, and how well single colour statistics alone
 * separate `all` from `normal` (the colour-shortcut caveat). Pure functions.
 *
 * @module
 */
import type { Label } from "../../../model/core/mod.ts";
import type { ManifestItem, Split } from "../data/split_manifest.ts";
import { auroc } from "../metrics/ranking.ts";

/** The class shown in the report: the subtype when the dataset has one, else the label. */
export function classOf(item: Pick<ManifestItem, "label" | "subtype">): string {
  return item.subtype ?? item.label;
}

/** One bar of the counts chart. */
export interface CountRow {
  split: Split;
  view: string;
  label: Label;
  cls: string;
  count: number;
}

const SPLITS: Split[] = ["train", "val", "test"];

/**
 * Items counted per split, view, label and class, in split order then class name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { ManifestItem } from "../data/split_manifest.ts";
 * const item = (path: string, split: ManifestItem["split"], subtype: string, group: string): ManifestItem => ({
 *   path, split, subtype, group, label: subtype === "Benign" ? "normal" : "all", sha256: path, view: "original",
 * });
 * const items = [
 *   item("Benign/1.jpg", "train", "Benign", "Benign:001-020"), item("Pro/1.jpg", "train", "Pro", "Pro:001-020"),
 *   item("Pro/2.jpg", "train", "Pro", "Pro:001-020"), item("Pro/30.jpg", "test", "Pro", "Pro:021-040"),
 * ];
 * assert.deepEqual(countRows(items), [ // manifest.items
 *   { split: "train", view: "original", label: "normal", cls: "Benign", count: 1 },
 *   { split: "train", view: "original", label: "all", cls: "Pro", count: 2 },
 *   { split: "test", view: "original", label: "all", cls: "Pro", count: 1 },
 * ]);
 * ```
 */
export function countRows(items: readonly ManifestItem[]): CountRow[] {
  const m = new Map<string, CountRow>();
  for (const it of items) {
    const cls = classOf(it);
    const key = [it.split, it.view, it.label, cls].join("\u0000");
    const r = m.get(key) ?? { split: it.split, view: it.view, label: it.label, cls, count: 0 };
    r.count++;
    m.set(key, r);
  }
  return [...m.values()].sort((a, b) =>
    SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split) || a.view.localeCompare(b.view) || a.cls.localeCompare(b.cls)
  );
}

/** Label balance of one split (one view). */
export interface BalanceRow {
  split: Split;
  view: string;
  all: number;
  normal: number;
  /** Share of `all` in the split. */
  allFraction: number;
  /** all : normal. */
  ratio: number;
  groups: number;
}

/**
 * `all`/`normal` counts, share and ratio per split and view, and how many split groups each has.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { ManifestItem } from "../data/split_manifest.ts";
 * const item = (path: string, split: ManifestItem["split"], subtype: string, group: string): ManifestItem => ({
 *   path, split, subtype, group, label: subtype === "Benign" ? "normal" : "all", sha256: path, view: "original",
 * });
 * const items = [
 *   item("Benign/1.jpg", "train", "Benign", "Benign:001-020"), item("Pro/1.jpg", "train", "Pro", "Pro:001-020"),
 *   item("Pro/2.jpg", "train", "Pro", "Pro:001-020"), item("Pro/30.jpg", "test", "Pro", "Pro:021-040"),
 * ];
 * assert.deepEqual(balanceRows(items)[0], {
 *   split: "train", view: "original", all: 2, normal: 1, allFraction: 2 / 3, ratio: 2, groups: 2,
 * });
 * ```
 */
export function balanceRows(items: readonly ManifestItem[]): BalanceRow[] {
  const m = new Map<string, { split: Split; view: string; all: number; normal: number; groups: Set<string> }>();
  for (const it of items) {
    const key = `${it.split}\u0000${it.view}`;
    const r = m.get(key) ?? { split: it.split, view: it.view, all: 0, normal: 0, groups: new Set<string>() };
    r[it.label]++;
    r.groups.add(it.group);
    m.set(key, r);
  }
  return [...m.values()]
    .sort((a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split) || a.view.localeCompare(b.view))
    .map((r) => ({
      split: r.split,
      view: r.view,
      all: r.all,
      normal: r.normal,
      allFraction: r.all / (r.all + r.normal),
      ratio: r.normal ? r.all / r.normal : NaN,
      groups: r.groups.size,
    }));
}

/** Measurements of one decoded image. */
export interface ImageRecord {
  path: string;
  split: Split;
  view: string;
  label: Label;
  cls: string;
  format: string;
  width: number;
  height: number;
  /** File size in bytes. */
  bytes: number;
  /** `imageStats` of the image (RGB in [0, 1]): meanR/G/B, stdR/G/B, darkFraction. */
  stats: Record<string, number>;
}

/** Image size summary of one class and view. */
export interface SizeRow {
  view: string;
  cls: string;
  n: number;
  /** Distinct "W×H format" values with their counts, most frequent first. */
  sizes: string;
  medianKiB: number;
  minKiB: number;
  maxKiB: number;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/**
 * Pixel sizes, formats and file sizes per view and class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { Label } from "../../../model/core/mod.ts";
 * import type { ImageRecord } from "./eda_data.ts";
 * const rec = (path: string, label: Label, cls: string, meanB: number): ImageRecord => ({
 *   path, split: "train", view: "original", label, cls, format: "jpeg", width: 224, height: 224, bytes: 10_240,
 *   stats: { meanR: 0.7, meanB },
 * });
 * const records = [
 *   rec("Benign/1.jpg", "normal", "Benign", 0.8), rec("Benign/2.jpg", "normal", "Benign", 0.75),
 *   rec("Pro/1.jpg", "all", "Pro", 0.5), rec("Pro/2.jpg", "all", "Pro", 0.55),
 * ];
 * assert.deepEqual(sizeRows(records)[0], {
 *   view: "original", cls: "Benign", n: 2, sizes: "224×224 jpeg: 2", medianKiB: 10, minKiB: 10, maxKiB: 10,
 * });
 * ```
 */
export function sizeRows(records: readonly ImageRecord[]): SizeRow[] {
  const groups = new Map<string, ImageRecord[]>();
  for (const r of records) {
    const key = `${r.view}\u0000${r.cls}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, rs]) => {
    const [view, cls] = key.split("\u0000");
    const sizes = new Map<string, number>();
    for (const r of rs) {
      sizes.set(`${r.width}×${r.height} ${r.format}`, (sizes.get(`${r.width}×${r.height} ${r.format}`) ?? 0) + 1);
    }
    const kib = rs.map((r) => r.bytes / 1024).sort((a, b) => a - b);
    return {
      view,
      cls,
      n: rs.length,
      sizes: [...sizes.entries()].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}: ${n}`).join(", "),
      medianKiB: median(kib),
      minKiB: kib[0],
      maxKiB: kib[kib.length - 1],
    };
  });
}

/** How well one image statistic alone separates `all` from `normal`. */
export interface SeparabilityRow {
  stat: string;
  /** AUROC of the statistic as a score for `all` (0.5 = no information). */
  auroc: number;
  /** max(auroc, 1 − auroc): separation regardless of direction. */
  separation: number;
  /** `higher` when larger values mean `all`. */
  direction: "higher" | "lower";
  meanAll: number;
  meanNormal: number;
}

/**
 * For every statistic in the records, the AUROC of that single number for `all` vs `normal`,
 * strongest separation first. A value near 1 means a one-number colour rule already finds most
 * `all` images: a model can learn stain/camera colour instead of cell morphology.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { Label } from "../../../model/core/mod.ts";
 * import type { ImageRecord } from "./eda_data.ts";
 * const rec = (path: string, label: Label, cls: string, meanB: number): ImageRecord => ({
 *   path, split: "train", view: "original", label, cls, format: "jpeg", width: 224, height: 224, bytes: 10_240,
 *   stats: { meanR: 0.7, meanB },
 * });
 * const records = [
 *   rec("Benign/1.jpg", "normal", "Benign", 0.8), rec("Benign/2.jpg", "normal", "Benign", 0.75),
 *   rec("Pro/1.jpg", "all", "Pro", 0.5), rec("Pro/2.jpg", "all", "Pro", 0.55),
 * ];
 * const [best] = colourSeparability(records);
 * // less blue: `all`
 * assert.deepEqual([best.stat, best.auroc, best.separation, best.direction], ["meanB", 0, 1, "lower"]);
 * ```
 */
export function colourSeparability(records: readonly ImageRecord[]): SeparabilityRow[] {
  if (records.length === 0) return [];
  const stats = Object.keys(records[0].stats);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return stats.map((stat) => {
    const a = auroc(records.map((r) => ({ score: r.stats[stat], positive: r.label === "all" })));
    return {
      stat,
      auroc: a,
      separation: Number.isNaN(a) ? NaN : Math.max(a, 1 - a),
      direction: (a >= 0.5 ? "higher" : "lower") as "higher" | "lower",
      meanAll: mean(records.filter((r) => r.label === "all").map((r) => r.stats[stat])),
      meanNormal: mean(records.filter((r) => r.label === "normal").map((r) => r.stats[stat])),
    };
  }).sort((x, y) => (y.separation || 0) - (x.separation || 0));
}

/**
 * `n` items of one class spread evenly over the class's list sorted by path (deterministic, covers
 * all file-number ranges and splits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const items = Array.from({ length: 40 }, (_, i) => ({
 *   path: `Pro/${String(i).padStart(2, "0")}.jpg`,
 *   label: "all" as const,
 *   subtype: "Pro",
 * }));
 * const sample = spreadSample(items.filter((i) => classOf(i) === "Pro"), 4);
 * assert.deepEqual(sample.map((i) => i.path), ["Pro/05.jpg", "Pro/15.jpg", "Pro/25.jpg", "Pro/35.jpg"]); // spread
 * ```
 */
export function spreadSample<T extends { path: string }>(items: readonly T[], n: number): T[] {
  const sorted = items.slice().sort((a, b) => a.path.localeCompare(b.path));
  if (sorted.length <= n) return sorted;
  return Array.from({ length: n }, (_, i) => sorted[Math.floor(((i + 0.5) * sorted.length) / n)]);
}

/** One point of a per-class frequency polygon. */
export interface HistogramRow {
  stat: string;
  cls: string;
  /** Bin centre. */
  x: number;
  /** Share of the class's images in the bin (each class sums to 1 per statistic). */
  share: number;
  count: number;
}

/**
 * Per-class histograms of each statistic over `bins` equal bins spanning that statistic's range
 * across all classes (so classes are comparable), as shares of each class's images, with an empty
 * bin added at both ends so the polygons close on zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { Label } from "../../../model/core/mod.ts";
 * import type { ImageRecord } from "./eda_data.ts";
 * const rec = (path: string, label: Label, cls: string, meanB: number): ImageRecord => ({
 *   path, split: "train", view: "original", label, cls, format: "jpeg", width: 224, height: 224, bytes: 10_240,
 *   stats: { meanR: 0.7, meanB },
 * });
 * const records = [
 *   rec("Benign/1.jpg", "normal", "Benign", 0.8), rec("Benign/2.jpg", "normal", "Benign", 0.75),
 *   rec("Pro/1.jpg", "all", "Pro", 0.5), rec("Pro/2.jpg", "all", "Pro", 0.55),
 * ];
 * const benign = histogramRows(records, ["meanB"], 30).filter((r) => r.cls === "Benign");
 * assert.equal(benign.length, 32); // 30 bins and an empty one at each end
 * assert.equal(benign.reduce((s, r) => s + r.share, 0), 1);
 * ```
 */
export function histogramRows(records: readonly ImageRecord[], stats: readonly string[], bins = 30): HistogramRow[] {
  const classes = [...new Set(records.map((r) => r.cls))].sort();
  const out: HistogramRow[] = [];
  for (const stat of stats) {
    const values = records.map((r) => r.stats[stat]).filter(Number.isFinite);
    if (values.length === 0) continue;
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const w = hi > lo ? (hi - lo) / bins : 1e-6;
    for (const cls of classes) {
      const counts = new Array<number>(bins).fill(0);
      const rs = records.filter((r) => r.cls === cls && Number.isFinite(r.stats[stat]));
      for (const r of rs) counts[Math.min(bins - 1, Math.floor((r.stats[stat] - lo) / w))]++;
      for (let i = -1; i <= bins; i++) {
        const count = i < 0 || i >= bins ? 0 : counts[i];
        out.push({ stat, cls, x: lo + (i + 0.5) * w, share: rs.length ? count / rs.length : 0, count });
      }
    }
  }
  return out;
}

/** The single statistic that best separates one class from all the others. */
export interface ClassSeparabilityRow {
  cls: string;
  n: number;
  stat: string;
  /** max(AUROC, 1 − AUROC) of the statistic for this class against the rest. */
  separation: number;
  direction: "higher" | "lower";
}

/**
 * For each class (subtype), the one statistic that best tells it apart from all other images
 * (one-vs-rest AUROC), strongest first. Near 1 means the class has its own colour signature
 * (stain batch, camera or acquisition day) that a model can learn in place of morphology.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";import type { Label } from "../../../model/core/mod.ts";
 * import type { ImageRecord } from "./eda_data.ts";
 * const rec = (path: string, label: Label, cls: string, meanB: number): ImageRecord => ({
 *   path, split: "train", view: "original", label, cls, format: "jpeg", width: 224, height: 224, bytes: 10_240,
 *   stats: { meanR: 0.7, meanB },
 * });
 * const records = [
 *   rec("Benign/1.jpg", "normal", "Benign", 0.8), rec("Benign/2.jpg", "normal", "Benign", 0.75),
 *   rec("Pro/1.jpg", "all", "Pro", 0.5), rec("Pro/2.jpg", "all", "Pro", 0.55),
 * ];
 * assert.deepEqual(classSeparability(records)[0], {
 *   cls: "Benign", n: 2, stat: "meanB", separation: 1, direction: "higher",
 * });
 * ```
 */
export function classSeparability(records: readonly ImageRecord[]): ClassSeparabilityRow[] {
  if (records.length === 0) return [];
  const stats = Object.keys(records[0].stats);
  const classes = [...new Set(records.map((r) => r.cls))].sort();
  if (classes.length < 2) return [];
  return classes.map((cls) => {
    let best: ClassSeparabilityRow = { cls, n: 0, stat: "", separation: NaN, direction: "higher" };
    for (const stat of stats) {
      const a = auroc(records.map((r) => ({ score: r.stats[stat], positive: r.cls === cls })));
      const sep = Math.max(a, 1 - a);
      if (!(sep <= best.separation)) {
        best = { cls, n: 0, stat, separation: sep, direction: a >= 0.5 ? "higher" : "lower" };
      }
    }
    return { ...best, n: records.filter((r) => r.cls === cls).length };
  }).sort((x, y) => y.separation - x.separation);
}
