/**
 * Reading a manifest's images for offline evaluation: select items, read and decode them with
 * the service's decoder.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeImage } from "../../../model/core/mod.ts";
import type { RgbaImage } from "../../../model/core/mod.ts";
import type { ManifestItem, Split, SplitManifest } from "../data/split_manifest.ts";

/** A decoded manifest item. */
export interface LoadedImage {
  item: ManifestItem;
  rgba: RgbaImage;
}

/** Which items to take. */
export interface ItemFilter {
  /** `all` = every split. */
  split: Split | "all";
  /** Views to keep (default `["original"]`: what the service receives). */
  views?: readonly string[];
  /** Keep at most this many, spread evenly over the selection (quick runs). */
  limit?: number;
}

/**
 * The manifest items matching a filter, in manifest order (an even subsample when `limit` is set).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SplitManifest } from "../data/split_manifest.ts";
 * const item = (path: string, split: "train" | "test", view = "original") =>
 *   ({ path, split, view, label: "all" as const, group: path, sha256: path });
 * const manifest = {
 *   dataset: "taleqani",
 *   items: [
 *     item("a.jpg", "test"), item("b.jpg", "train"), item("c.jpg", "test"), item("seg/c.jpg", "test", "segmented"),
 *   ],
 * } as SplitManifest; // (399 test originals in the Taleqani manifest)
 * assert.deepEqual(selectItems(manifest, { split: "test" }).map((i) => i.path), ["a.jpg", "c.jpg"]);
 * assert.equal(selectItems(manifest, { split: "all", limit: 2 }).length, 2);
 * ```
 */
export function selectItems(manifest: SplitManifest, filter: ItemFilter): ManifestItem[] {
  const views = filter.views ?? ["original"];
  const items = manifest.items.filter((i) =>
    (filter.split === "all" || i.split === filter.split) && views.includes(i.view)
  );
  if (items.length === 0) {
    throw new Error(
      `no ${views.join("/")} items in split "${filter.split}" of the ${manifest.dataset} manifest; check --split`,
    );
  }
  const limit = filter.limit;
  if (limit === undefined || limit >= items.length) return items;
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return Array.from({ length: limit }, (_, k) => items[Math.floor((k * items.length) / limit)]);
}

/**
 * Whether the manifest has a val split; a refit's (`prepare --val 0`) has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SplitManifest } from "../data/split_manifest.ts";
 * const m = { items: [{ split: "train" }, { split: "test" }] } as SplitManifest;
 * assert.equal(hasValSplit(m), false);
 * assert.equal(hasValSplit({ items: [...m.items, { split: "val" }] } as SplitManifest), true);
 * ```
 */
export function hasValSplit(manifest: SplitManifest): boolean {
  return manifest.items.some((it) => it.split === "val");
}

/**
 * The images a parity check (graph against graph, no label read) runs on: the first `n` val
 * originals, or the first `n` training originals for a refit's manifest, which has no val split.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
 * const item = (path: string, split: ManifestItem["split"]): ManifestItem =>
 *   ({ path, split, label: "all", group: path, sha256: "", view: "original" });
 * const m = { dataset: "folders", items: [item("a", "train"), item("b", "val"), item("c", "train")] } as SplitManifest;
 * assert.deepEqual(parityItems(m, 5).map((i) => i.path), ["b"]);
 * const refit = { ...m, items: m.items.filter((i) => i.split !== "val") };
 * assert.deepEqual(parityItems(refit, 1).map((i) => i.path), ["a"]);
 * ```
 */
export function parityItems(manifest: SplitManifest, n: number): ManifestItem[] {
  const split = hasValSplit(manifest) ? "val" : "train";
  return selectItems(manifest, { split }).slice(0, n);
}

/**
 * Reads and decodes items (paths relative to `manifest.root`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SplitManifest } from "../data/split_manifest.ts";
 * const manifest = {
 *   dataset: "taleqani",
 *   root: `${Deno.cwd()}/tests/fixtures/images`,
 *   items: [
 *     {
 *       path: "taleqani_Benign_WBC-Benign-001.jpg", split: "test", label: "normal", view: "original", group: "g",
 *       sha256: "",
 *     },
 *   ],
 * } as SplitManifest;
 * const images = await loadImages(manifest, selectItems(manifest, { split: "test" }));
 * assert.deepEqual([images[0].rgba.width, images[0].rgba.height], [224, 224]);
 * ```
 */
export async function loadImages(manifest: SplitManifest, items: readonly ManifestItem[]): Promise<LoadedImage[]> {
  const out: LoadedImage[] = [];
  for (const item of items) {
    const file = join(manifest.root, item.path);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (err) {
      throw new Error(
        `cannot read ${file} (${
          (err as Error).message
        }); is the dataset at ${manifest.root}? re-run scripts/prepare_data.ts`,
      );
    }
    const d = await decodeImage(bytes);
    out.push({ item, rgba: { width: d.width, height: d.height, data: d.data } });
  }
  return out;
}
