/**
 * A lab folder for the recalibration tests, made from the two Taleqani fixture fields: three ALL
 * and three normal "patients", two variants each (mirrored, cropped), plus a broken file and a
 * folder that names no class.
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeImage, encodeBmp, type RgbaImage } from "../../model/core/mod.ts";

const FIXTURES = new URL("../fixtures/images/", import.meta.url).pathname;

/** `img` mirrored left–right (`flip`) and/or cut to its central `keep` share of each side. */
function variant(img: RgbaImage, flip: boolean, keep: number): RgbaImage {
  const w = Math.round(img.width * keep), h = Math.round(img.height * keep);
  const x0 = Math.floor((img.width - w) / 2), y0 = Math.floor((img.height - h) / 2);
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = x0 + (flip ? w - 1 - x : x);
      data.set(
        img.data.subarray(((y0 + y) * img.width + sx) * 4, ((y0 + y) * img.width + sx) * 4 + 4),
        (y * w + x) * 4,
      );
    }
  }
  return { width: w, height: h, data };
}

/** The lab folder: `<class>/p<k>/<k>-<j>.bmp`, two variants per patient; returns its paths by class. */
/**
 * Writes the lab folder under `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const files = await makeLab(dir);
 * assert.deepEqual([files.all.length, files.normal.length], [6, 6]);
 * assert.match(files.all[0], /\/ALL\/p0\/0-0\.bmp$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function makeLab(dir: string): Promise<Record<"all" | "normal", string[]>> {
  const sources = {
    all: await decodeImage(await readFile(join(FIXTURES, "taleqani_Early_WBC-Malignant-Early-001.jpg"))),
    normal: await decodeImage(await readFile(join(FIXTURES, "taleqani_Benign_WBC-Benign-001.jpg"))),
  };
  const out: Record<"all" | "normal", string[]> = { all: [], normal: [] };
  const folder = { all: "ALL", normal: "hem" };
  for (const label of ["all", "normal"] as const) {
    for (let k = 0; k < 3; k++) {
      await mkdir(join(dir, folder[label], `p${k}`), { recursive: true });
      for (let j = 0; j < 2; j++) {
        const path = join(dir, folder[label], `p${k}`, `${k}-${j}.bmp`);
        await writeFile(path, encodeBmp(variant(sources[label], j === 1, 1 - 0.08 * k)));
        out[label].push(path);
      }
    }
  }
  await writeFile(join(dir, "ALL", "p0", "broken.png"), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  await mkdir(join(dir, "notes"));
  await writeFile(join(dir, "notes", "scan.png"), await readFile(join(FIXTURES, "variant_rgb8.png")));
  return out;
}
