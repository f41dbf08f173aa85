/**
 * Test helper for the pipeline's report tests (`scripts/lib/report/*_test.ts`): solid-colour
 * images, a check that every PNG a report page references exists and has a size, and a temporary
 * folder that is removed afterwards.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeRgbaPng, pngSize } from "../../scripts/lib/report/png.ts";

/**
 * An opaque `w`×`h` RGBA image of one colour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const red = solid(2, 2, [255, 0, 0]);
 * assert.deepEqual([...red.data.subarray(0, 8)], [255, 0, 0, 255, 255, 0, 0, 255]);
 * assert.equal(red.data.length, 16);
 * ```
 */
export function solid(w: number, h: number, rgb: [number, number, number]): {
  width: number;
  height: number;
  data: Uint8Array;
} {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return { width: w, height: h, data };
}

/**
 * {@link solid}, encoded as PNG by the report's own encoder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pngSize } from "../../scripts/lib/report/png.ts";
 * const png = solidPng(20, 16, [200, 40, 40]);
 * assert.deepEqual(pngSize(png), { width: 20, height: 16 });
 * ```
 */
export function solidPng(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  return encodeRgbaPng(solid(w, h, rgb));
}

/**
 * Every PNG file the HTML references, checked to exist beside the page and to have a non-empty
 * IHDR; returns their sizes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * await withTemp(async (dir) => {
 *   await Deno.writeFile(`${dir}/a.png`, solidPng(3, 2, [0, 0, 0]));
 *   const sizes = await checkPngs(dir, '<img src="a.png">');
 *   assert.deepEqual(sizes.get("a.png"), { width: 3, height: 2 });
 *   await assert.rejects(checkPngs(dir, '<img src="missing.png">'));
 * });
 * ```
 */
export async function checkPngs(dir: string, html: string): Promise<Map<string, { width: number; height: number }>> {
  const refs = [...html.matchAll(/src="([^"]+\.png)"/g)].map((m) => m[1]);
  assert.ok(refs.length > 0, "the page references no PNG");
  const sizes = new Map<string, { width: number; height: number }>();
  for (const ref of refs) {
    assert.ok(!ref.includes("/") && !ref.startsWith("http"), `${ref} must be a file beside the page`);
    const bytes = new Uint8Array(await readFile(join(dir, ref)));
    const size = pngSize(bytes);
    assert.ok(size.width > 0 && size.height > 0, `${ref} has an empty IHDR`);
    sizes.set(ref, size);
  }
  return sizes;
}

/**
 * Runs `f` with a new temporary folder and removes the folder afterwards, also when `f` throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let used = "";
 * await withTemp(async (dir) => {
 *   used = dir;
 *   await Deno.writeTextFile(`${dir}/note.txt`, "kept until f returns");
 * });
 * await assert.rejects(Deno.stat(used), Deno.errors.NotFound); // removed afterwards
 * ```
 */
export async function withTemp(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "report-test-"));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
