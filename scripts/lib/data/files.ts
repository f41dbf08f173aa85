/**
 * Listing and hashing the image files of a dataset folder.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** File extensions treated as images (lower case, with the dot). */
export const IMAGE_EXTENSIONS = [".bmp", ".png", ".jpg", ".jpeg", ".tif", ".tiff"] as const;

/**
 * True when the name has an image extension (case-insensitive) and is not hidden.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isImageName("UID_1_1_1_all.BMP"), true);
 * assert.equal(isImageName("manifest.csv"), false);
 * ```
 */
export function isImageName(name: string): boolean {
  if (name.startsWith(".")) return false;
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/**
 * All image files under `root`, as sorted relative paths with forward slashes.
 * Hidden folders are skipped. Throws when `root` is not a folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const root = await Deno.makeTempDir(); // e.g. the unpacked Taleqani download
 * await Deno.mkdir(`${root}/original/Benign`, { recursive: true });
 * await Deno.writeTextFile(`${root}/original/Benign/WBC-Benign-001.jpg`, "x");
 * await Deno.writeTextFile(`${root}/README.txt`, "not an image");
 * assert.deepEqual(await listImageFiles(root), ["original/Benign/WBC-Benign-001.jpg"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function listImageFiles(root: string): Promise<string[]> {
  let s;
  try {
    s = await stat(root);
  } catch {
    throw new Error(`dataset folder ${root} does not exist; pass the folder you downloaded with --dataset`);
  }
  if (!s.isDirectory()) throw new Error(`${root} is not a folder; pass the dataset's top folder with --dataset`);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && isImageName(e.name)) out.push(p);
    }
  };
  await walk("");
  return out.sort();
}

/**
 * SHA-256 (hex) of a file's bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/x.jpg`, "test");
 * assert.equal(await sha256File(`${dir}/x.jpg`), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function sha256File(file: string): Promise<string> {
  return createHash("sha256").update(await readFile(file)).digest("hex");
}
