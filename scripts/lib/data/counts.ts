/**
 * Counting manifest items per split and printing the table.
 *
 * @module
 */
import type { ManifestItem, Split } from "./split_manifest.ts";

const SPLITS: readonly Split[] = ["train", "val", "test"];

/**
 * Counts per split. Keys: `total` (all items), `view:<view>`, and — over originals only —
 * `label:<label>`, `subtype:<subtype>`, `groups` (distinct groups).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Label } from "../../../model/core/mod.ts";
 * import type { ManifestItem, Split } from "./split_manifest.ts";
 * const item = (path: string, split: Split, label: Label, group: string, view = "original"): ManifestItem =>
 *   ({ path, split, label, group, view, sha256: path });
 * const items = [
 *   item("all/a-001.png", "train", "all", "all:001-020"),
 *   item("all/a-021.png", "test", "all", "all:021-040"),
 *   item("hem/h-001.png", "test", "normal", "hem:001-020"),
 * ];
 * const counts = countItems(items);
 * assert.equal(counts.test["label:all"], 1); // original `all` images on test
 * assert.deepEqual([counts.test.total, counts.test.groups], [2, 2]);
 * ```
 */
export function countItems(items: readonly ManifestItem[]): Record<Split, Record<string, number>> {
  const out = {} as Record<Split, Record<string, number>>;
  for (const split of SPLITS) {
    const c: Record<string, number> = { total: 0 };
    const inc = (k: string) => (c[k] = (c[k] ?? 0) + 1);
    const groups = new Set<string>();
    for (const it of items) {
      if (it.split !== split) continue;
      inc("total");
      inc(`view:${it.view}`);
      if (it.view !== "original") continue;
      inc(`label:${it.label}`);
      if (it.subtype) inc(`subtype:${it.subtype}`);
      groups.add(it.group);
    }
    c.groups = groups.size;
    out[split] = c;
  }
  return out;
}

/**
 * A fixed-width text table of counts (rows = count keys, columns = splits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Label } from "../../../model/core/mod.ts";
 * import type { ManifestItem, Split } from "./split_manifest.ts";
 * const item = (path: string, split: Split, label: Label, group: string, view = "original"): ManifestItem =>
 *   ({ path, split, label, group, view, sha256: path });
 * const items = [
 *   item("all/a-001.png", "train", "all", "all:001-020"),
 *   item("all/a-021.png", "test", "all", "all:021-040"),
 *   item("hem/h-001.png", "test", "normal", "hem:001-020"),
 * ];
 * const table = formatCountTable(countItems(items)); // prepare_data prints it
 * assert.equal(table.split("\n")[0].trim(), "train  val  test  sum");
 * assert.match(table, /^total\s+1\s+0\s+2\s+3$/m);
 * ```
 */
export function formatCountTable(counts: Record<string, Record<string, number>>): string {
  const keys = [...new Set(SPLITS.flatMap((s) => Object.keys(counts[s] ?? {})))];
  const order = (
    k: string,
  ) => (k === "total" ? 9 : k === "groups" ? 0 : k.startsWith("label:") ? 1 : k.startsWith("subtype:") ? 2 : 3);
  keys.sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1));
  const rows = [
    ["", ...SPLITS, "sum"],
    ...keys.map((k) => {
      const vals = SPLITS.map((s) => counts[s]?.[k] ?? 0);
      return [k, ...vals.map(String), String(vals.reduce((x, y) => x + y, 0))];
    }),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ")).join(
    "\n",
  );
}
