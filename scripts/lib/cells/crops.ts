/**
 * The cell classifier's data: a split manifest of fields → a split manifest of cell crops. Each
 * crop inherits its field's label, subtype, group and split (so a file-number block is on one
 * side only and the new-patient split is kept exactly) and is an `original` view; the crops of one
 * field are named after it (`Early/WBC-Malignant-Early-001.c03.bmp`). Pure bookkeeping: locating
 * and cropping are the core's (`locateCells`, `cropCell`), file writing is the script's.
 *
 * @module
 */
import type { Box } from "../../../model/core/mod.ts";
import { countItems } from "../data/counts.ts";
import type { ManifestItem, Split, SplitManifest } from "../data/split_manifest.ts";

/** One crop file of a field. */
export interface CropFile {
  /** Path relative to the crop manifest's root ({@link cropFilePath}). */
  path: string;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  /** The located cell's box in the field's pixels. */
  box: Box;
  /** Side of the square crop, in the field's pixels. */
  side: number;
}

/** What one field gave: its crops and what the locator said. */
export interface FieldCrops {
  /** The field's manifest item (an original). */
  field: ManifestItem;
  /** The locator's count before its cap. */
  found: number;
  capped: boolean;
  /** How the locator read the image. */
  background: "field" | "black";
  /** The crops, in the locator's order (top to bottom, then left to right). */
  crops: CropFile[];
}

/** Crops per split and subtype (or label when the field has no subtype). */
export interface CropCountRow {
  split: Split;
  subtype: string;
  fields: number;
  /** Fields the locator found no cell in (no crop). */
  emptyFields: number;
  /** Fields where the locator's cap was hit. */
  cappedFields: number;
  crops: number;
  cropsPerField: number;
  /** Least and largest crops of one field. */
  min: number;
  max: number;
}

/** A leading `original/` is dropped: the crops of `original/Early/x.jpg` go under `Early/`. */
const ORIGINAL_PREFIX = /^original\//;

/**
 * Where crop `index` of a field is written, relative to the crop manifest's root: the field's
 * folder (without a leading `original/`), its file name without extension, `.c<NN>` (two digits at
 * least, from 00), and `ext`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cropFilePath("original/Early/WBC-Malignant-Early-001.jpg", 3), "Early/WBC-Malignant-Early-001.c03.bmp");
 * assert.equal(cropFilePath("all/UID_1_1_1_all.bmp", 0, "png"), "all/UID_1_1_1_all.c00.png");
 * assert.equal(cropFilePath("x.jpeg", 120), "x.c120.bmp");
 * ```
 */
export function cropFilePath(fieldPath: string, index: number, ext = "bmp"): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`cropFilePath: index must be ≥ 0, got ${index}`);
  const rel = fieldPath.replace(/\\/g, "/").replace(ORIGINAL_PREFIX, "");
  const base = rel.replace(/\.[^./]*$/, "");
  return `${base}.c${String(index).padStart(2, "0")}.${ext}`;
}

/**
 * A crop's manifest item: the field's label, subtype, subject, group and split; view `original`
 * (a crop is what the cell model is given in service); `twinOf` names the field it was cut from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const field = { path: "original/Pre/WBC-Malignant-Pre-101.jpg", label: "all" as const, subtype: "Pre",
 *   group: "Pre:101-120", split: "val" as const, sha256: "f", view: "original" };
 * const item = cropItem(field, { path: "Pre/WBC-Malignant-Pre-101.c00.bmp", sha256: "c",
 *   box: { x: 1, y: 2, width: 30, height: 28 }, side: 42 });
 * assert.deepEqual(
 *   [item.label, item.subtype, item.group, item.split, item.view, item.twinOf],
 *   ["all", "Pre", "Pre:101-120", "val", "original", "original/Pre/WBC-Malignant-Pre-101.jpg"],
 * );
 * ```
 */
export function cropItem(field: ManifestItem, crop: CropFile): ManifestItem {
  return {
    path: crop.path,
    label: field.label,
    ...(field.subtype !== undefined ? { subtype: field.subtype } : {}),
    ...(field.subject !== undefined ? { subject: field.subject } : {}),
    group: field.group,
    split: field.split,
    sha256: crop.sha256,
    view: "original",
    twinOf: field.path,
  };
}

/**
 * The fields crops are made from: the originals of the chosen splits (segmented twins and other
 * extra views are left out), without the skipped subtypes, in manifest order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ManifestItem } from "../data/split_manifest.ts";
 * const it = (path: string, subtype: string, split: "train" | "val", view = "original") =>
 *   ({ path, label: "all", subtype, group: "g", split, sha256: path, view }) as ManifestItem;
 * const items = [it("a", "Pre", "train"), it("b", "Pre", "train", "segmented"), it("c", "Pro", "val"), it("d", "Early", "val")];
 * assert.deepEqual(cropSourceFields(items, { splits: ["train", "val"], skipSubtypes: ["Pro"] }).map((i) => i.path), ["a", "d"]);
 * assert.deepEqual(cropSourceFields(items, { splits: ["val"] }).map((i) => i.path), ["c", "d"]);
 * ```
 */
export function cropSourceFields(
  items: readonly ManifestItem[],
  opts: { splits: readonly Split[]; skipSubtypes?: readonly string[] },
): ManifestItem[] {
  const skip = new Set(opts.skipSubtypes ?? []);
  return items.filter((i) =>
    (i.view ?? "original") === "original" && opts.splits.includes(i.split) && !skip.has(i.subtype ?? "")
  );
}

/**
 * Throws when a group has items on two sides of the split (a crop manifest must keep each block
 * on one side, as its fields were).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ManifestItem } from "../data/split_manifest.ts";
 * const it = (group: string, split: "train" | "val") => ({ path: group + split, label: "all", group, split, sha256: "", view: "original" }) as ManifestItem;
 * checkGroupsOneSide([it("Pre:001-020", "train"), it("Pre:001-020", "train"), it("Pre:021-040", "val")]);
 * assert.throws(() => checkGroupsOneSide([it("Pre:001-020", "train"), it("Pre:001-020", "val")]), /Pre:001-020.*train.*val/);
 * ```
 */
export function checkGroupsOneSide(items: readonly ManifestItem[]): void {
  const side = new Map<string, Split>();
  for (const it of items) {
    const s = side.get(it.group);
    if (s === undefined) side.set(it.group, it.split);
    else if (s !== it.split) {
      throw new Error(
        `group ${it.group} is on both ${s} and ${it.split}: the source manifest's split is broken; re-run prepare_data.ts`,
      );
    }
  }
}

/** How {@link buildCropManifest} labels the new manifest. */
export interface CropManifestOptions {
  /** Absolute folder the crop paths are relative to. */
  root: string;
  /** ISO date-time. */
  created: string;
  /** What made the crops (recorded in `split.method`), e.g. the locator and crop options. */
  how: string;
  /** Subtypes left out on purpose, with why (recorded in `warnings`). */
  skipped?: Readonly<Record<string, string>>;
}

/**
 * The crop manifest: one item per crop ({@link cropItem}), in field order; `dataset` is the
 * source's with `-cells`; the source's seed and fractions, its split method prefixed by how the
 * crops were made; counts by the pipeline's `countItems`; a warning per field with no crop and per
 * skipped subtype. Throws when a group would be on two sides.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SplitManifest } from "../data/split_manifest.ts";
 * const field = (path: string, subtype: string, split: "train" | "val" | "test", group: string) =>
 *   ({ path, label: subtype === "Benign" ? "normal" : "all", subtype, group, split, sha256: path, view: "original" }) as const;
 * const source = {
 *   version: 1, dataset: "taleqani", root: "/data/taleqani", created: "2026-01-01T00:00:00Z",
 *   split: { seed: 1, fractions: { train: 0.7, val: 0.15, test: 0.15 }, method: "blocks of 20" },
 *   subtypes: ["Benign", "Early"], counts: {}, items: [],
 * } as SplitManifest;
 * const crop = (path: string) => ({ path, sha256: path, box: { x: 0, y: 0, width: 20, height: 20 }, side: 28 });
 * const fields = [
 *   { field: field("original/Early/e1.jpg", "Early", "train", "Early:1"), found: 2, capped: false, background: "field" as const,
 *     crops: [crop("Early/e1.c00.bmp"), crop("Early/e1.c01.bmp")] },
 *   { field: field("original/Benign/b1.jpg", "Benign", "val", "Benign:1"), found: 0, capped: false, background: "field" as const, crops: [] },
 * ];
 * const m = buildCropManifest(source, fields, { root: "/runs/cells/crops", created: "2026-01-02T00:00:00Z", how: "locateCells + cropCell" });
 * assert.equal(m.dataset, "taleqani-cells");
 * assert.deepEqual(m.items.map((i) => [i.path, i.split, i.group]), [
 *   ["Early/e1.c00.bmp", "train", "Early:1"], ["Early/e1.c01.bmp", "train", "Early:1"],
 * ]);
 * assert.equal(m.counts.train["label:all"], 2);
 * assert.match(m.warnings![0], /original\/Benign\/b1.jpg.*no cell/);
 * ```
 */
export function buildCropManifest(
  source: SplitManifest,
  fields: readonly FieldCrops[],
  opts: CropManifestOptions,
): SplitManifest {
  const items = fields.flatMap((f) => f.crops.map((c) => cropItem(f.field, c)));
  checkGroupsOneSide(items);
  const warnings = [
    ...Object.entries(opts.skipped ?? {}).map(([s, why]) => `subtype ${s} left out: ${why}`),
    ...fields.filter((f) => f.crops.length === 0).map((f) =>
      `${f.field.path} (${f.field.split}, ${f.field.subtype ?? f.field.label}): the locator found no cell, no crop`
    ),
  ];
  return {
    version: 1,
    dataset: `${source.dataset}-cells`,
    root: opts.root,
    created: opts.created,
    split: {
      ...source.split,
      method: `cell crops (${opts.how}) of the ${source.dataset} fields, each crop on its field's side and in its ` +
        `field's group; fields: ${source.split.method}`,
    },
    ...(source.subtypes ? { subtypes: [...source.subtypes] } : {}),
    counts: countItems(items),
    items,
    warnings,
  };
}

/**
 * Crops per split and subtype: fields, fields with no crop, fields whose cap was hit, crops, crops
 * per field and the least and largest per field; rows in split order (train, val, test), then by
 * subtype name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const f = (split: "train" | "val", subtype: string, n: number, capped = false) => ({
 *   field: { path: `${subtype}${n}`, label: "all" as const, subtype, group: "g", split, sha256: "", view: "original" },
 *   found: n, capped, background: "field" as const,
 *   crops: Array.from({ length: n }, (_, i) => ({ path: `${i}`, sha256: "", box: { x: 0, y: 0, width: 1, height: 1 }, side: 1 })),
 * });
 * const rows = cropCounts([f("val", "Pre", 3), f("train", "Pre", 0), f("train", "Pre", 5, true)]);
 * assert.deepEqual(rows.map((r) => [r.split, r.fields, r.emptyFields, r.cappedFields, r.crops, r.min, r.max]), [
 *   ["train", 2, 1, 1, 5, 0, 5],
 *   ["val", 1, 0, 0, 3, 3, 3],
 * ]);
 * assert.equal(rows[0].cropsPerField, 2.5);
 * ```
 */
export function cropCounts(fields: readonly FieldCrops[]): CropCountRow[] {
  const rows = new Map<string, CropCountRow>();
  const order: Record<Split, number> = { train: 0, val: 1, test: 2 };
  for (const f of fields) {
    const subtype = f.field.subtype ?? f.field.label;
    const key = `${order[f.field.split]}\u0000${subtype}`;
    const n = f.crops.length;
    const r = rows.get(key) ??
      {
        split: f.field.split,
        subtype,
        fields: 0,
        emptyFields: 0,
        cappedFields: 0,
        crops: 0,
        cropsPerField: 0,
        min: n,
        max: n,
      };
    r.fields++;
    if (n === 0) r.emptyFields++;
    if (f.capped) r.cappedFields++;
    r.crops += n;
    r.min = Math.min(r.min, n);
    r.max = Math.max(r.max, n);
    r.cropsPerField = r.crops / r.fields;
    rows.set(key, r);
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * {@link cropCounts} as a fixed-width text table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = formatCropCounts([{ split: "val", subtype: "Pre", fields: 2, emptyFields: 0, cappedFields: 0,
 *   crops: 31, cropsPerField: 15.5, min: 12, max: 19 }]);
 * assert.match(text.split("\n")[1], /^val\s+Pre\s+2\s+0\s+0\s+31\s+15.50\s+12\s+19$/);
 * ```
 */
export function formatCropCounts(rows: readonly CropCountRow[]): string {
  const head = "split  subtype  fields  empty  capped  crops  per-field  min  max";
  const lines = rows.map((r) =>
    [
      r.split.padEnd(5),
      r.subtype.padEnd(7),
      String(r.fields).padStart(6),
      String(r.emptyFields).padStart(5),
      String(r.cappedFields).padStart(6),
      String(r.crops).padStart(5),
      r.cropsPerField.toFixed(2).padStart(9),
      String(r.min).padStart(3),
      String(r.max).padStart(3),
    ].join("  ")
  );
  return [head, ...lines].join("\n");
}
