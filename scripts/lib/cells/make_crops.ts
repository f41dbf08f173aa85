/**
 * Writing a manifest's fields as cell crops: each field decoded, its cells located and cropped
 * ({@link fieldCrops}), each crop written as a BMP under the output folder
 * ({@link cropFilePath}), with its hash; what each field gave, for {@link buildCropManifest}.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type CropOptions, decodeImage, encodeBmp, type LocateOptions } from "../../../model/core/mod.ts";
import type { ManifestItem } from "../data/split_manifest.ts";
import { fieldCrops } from "./crop_field.ts";
import { type CropFile, cropFilePath, type FieldCrops } from "./crops.ts";

/** Options of {@link writeFieldCrops}. */
export interface WriteCropsOptions {
  /** Folder the dataset's paths are relative to. */
  sourceRoot: string;
  /** Folder the crops are written under. */
  outDir: string;
  locate?: Partial<LocateOptions>;
  crop?: Partial<CropOptions>;
  /** Called after each field with the count done. */
  progress?: (done: number) => void;
}

/**
 * Crops every field of `fields` (in order) into `outDir`; returns what each gave.
 *
 * @example Two fields of a made-up dataset: one with two cells, one blank
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeImage, encodeBmp } from "../../../model/core/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const w = 80, h = 40, data = new Uint8Array(w * h * 4).fill(242);
 * for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
 *   if ((x - 20) ** 2 + (y - 20) ** 2 <= 100 || (x - 60) ** 2 + (y - 20) ** 2 <= 100) data.set([115, 77, 179], (y * w + x) * 4);
 * }
 * await Deno.mkdir(`${dir}/src/original/Pre`, { recursive: true });
 * await Deno.writeFile(`${dir}/src/original/Pre/f1.bmp`, encodeBmp({ width: w, height: h, data }));
 * await Deno.writeFile(`${dir}/src/original/Pre/f2.bmp`, encodeBmp({ width: w, height: h, data: new Uint8Array(w * h * 4).fill(242) }));
 * const item = (path: string) => ({ path, label: "all" as const, subtype: "Pre", group: "Pre:1", split: "train" as const, sha256: "", view: "original" });
 * const out = await writeFieldCrops([item("original/Pre/f1.bmp"), item("original/Pre/f2.bmp")], { sourceRoot: `${dir}/src`, outDir: `${dir}/crops` });
 * assert.deepEqual(out.map((f) => f.crops.map((c) => c.path)), [["Pre/f1.c00.bmp", "Pre/f1.c01.bmp"], []]);
 * const crop = await decodeImage(await Deno.readFile(`${dir}/crops/Pre/f1.c00.bmp`));
 * assert.deepEqual([crop.width, [...crop.data.subarray(0, 3)]], [27, [0, 0, 0]]); // 1.4 × 19 px, on black
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFieldCrops(fields: readonly ManifestItem[], opts: WriteCropsOptions): Promise<FieldCrops[]> {
  const out: FieldCrops[] = [];
  for (const field of fields) {
    const img = await decodeImage(new Uint8Array(await readFile(join(opts.sourceRoot, field.path))));
    const { located, crops } = fieldCrops(img, { locate: opts.locate, crop: opts.crop });
    const files: CropFile[] = [];
    for (const [i, crop] of crops.entries()) {
      const path = cropFilePath(field.path, i);
      const bytes = encodeBmp(crop);
      await mkdir(dirname(join(opts.outDir, path)), { recursive: true });
      await writeFile(join(opts.outDir, path), bytes);
      files.push({
        path,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        box: located.cells[i].box,
        side: crop.width,
      });
    }
    out.push({ field, found: located.found, capped: located.capped, background: located.background, crops: files });
    opts.progress?.(out.length);
  }
  return out;
}
