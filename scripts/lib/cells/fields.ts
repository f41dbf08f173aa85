/**
 * The fields the locator is measured on: a split manifest's originals of some blocks, each decoded
 * with its segmented twin's reference cells, and the C-NMC cells (one segmented cell on black).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeImage, type RgbaImage } from "../../../model/core/mod.ts";
import type { Split, SplitManifest } from "../data/split_manifest.ts";
import { type ReferenceCell, referenceCells, type ReferenceOptions } from "./reference.ts";

/** One measured field. */
export interface Field {
  path: string;
  subtype: string;
  split: Split;
  image: RgbaImage;
  reference: ReferenceCell[];
}

/** `original/<Class>/<file>` → `segmented/<Class>/<file>`. */
export function twinPath(path: string): string {
  return path.replace(/^original\//, "segmented/");
}

/**
 * The originals of `split` (every `every`-th, at most `limit`), decoded, with their reference cells.
 */
export async function loadFields(
  manifest: SplitManifest,
  split: Split,
  ref: Partial<ReferenceOptions>,
  opts: { every?: number; limit?: number } = {},
): Promise<Field[]> {
  const items = manifest.items.filter((i) => i.split === split && (i.view ?? "original") === "original")
    .filter((_, k) => k % (opts.every ?? 1) === 0)
    .slice(0, opts.limit ?? Infinity);
  const out: Field[] = [];
  for (const item of items) {
    const image = await decodeImage(new Uint8Array(await readFile(join(manifest.root, item.path))));
    const twin = await decodeImage(new Uint8Array(await readFile(join(manifest.root, twinPath(item.path)))));
    out.push({
      path: item.path,
      subtype: item.subtype ?? item.label,
      split,
      image,
      reference: referenceCells(twin, ref),
    });
  }
  return out;
}

/** The C-NMC cells of a dataset folder (its manifest.csv's `path` column). */
export async function loadCnmc(root: string): Promise<{ path: string; image: RgbaImage }[]> {
  const lines = (await readFile(join(root, "manifest.csv"), "utf8")).trim().split("\n");
  const col = lines[0].split(",").indexOf("path");
  const out = [];
  for (const line of lines.slice(1)) {
    const path = line.split(",")[col];
    out.push({ path, image: await decodeImage(new Uint8Array(await readFile(join(root, path)))) });
  }
  return out;
}
