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
 * selectItems(manifest, { split: "test" }).length; // 399 for the Taleqani manifest
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
 * Reads and decodes items (paths relative to `manifest.root`).
 *
 * @example
 * ```ts
 * const images = await loadImages(manifest, selectItems(manifest, { split: "test" }));
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
