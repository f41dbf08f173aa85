/**
 * Contiguous file-number blocks: the split unit for datasets without patient ids. Consecutive
 * numbers usually come from one acquisition session (and patient), so whole blocks stay together.
 *
 * @module
 */

/**
 * The last run of digits in a file's base name (without extension), or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(fileNumber("original/Pro/WBC-Malignant-Pro-011.jpg"), 11);
 * assert.equal(fileNumber("cell.png"), undefined);
 * ```
 */
export function fileNumber(path: string): number | undefined {
  const base = path.slice(path.lastIndexOf("/") + 1).replace(/\.[^.]*$/, "");
  const m = base.match(/(\d+)(?!.*\d)/);
  return m ? Number(m[1]) : undefined;
}

/**
 * Block label for file number `n` with blocks of `size` numbers: 1–20 → "001-020", 21–40 → "021-040".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(blockLabel(37, 20), "021-040");
 * ```
 */
export function blockLabel(n: number, size: number): string {
  const lo = Math.floor(Math.max(n - 1, 0) / size) * size + 1;
  const hi = lo + size - 1;
  const w = Math.max(3, String(hi).length);
  return `${String(lo).padStart(w, "0")}-${String(hi).padStart(w, "0")}`;
}

/**
 * Assigns each path of one class to a block group `<prefix>:<block>`. Files with a number use
 * their number; files without one use their 1-based position in name order (`#` marks those).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   blockGroups(["Pro/a-001.jpg", "Pro/a-025.jpg"], "Pro", 20),
 *   new Map([["Pro/a-001.jpg", "Pro:001-020"], ["Pro/a-025.jpg", "Pro:021-040"]]),
 * );
 * ```
 */
export function blockGroups(paths: readonly string[], prefix: string, size: number): Map<string, string> {
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`block size must be a positive integer, got ${size}`);
  const out = new Map<string, string>();
  const unnumbered = paths.filter((p) => fileNumber(p) === undefined).sort();
  for (const p of paths) {
    const n = fileNumber(p);
    if (n !== undefined) out.set(p, `${prefix}:${blockLabel(n, size)}`);
  }
  unnumbered.forEach((p, i) => out.set(p, `${prefix}:#${blockLabel(i + 1, size)}`));
  return out;
}

/**
 * Reads a block group written by {@link blockGroups} back: its series (the prefix) and the first and
 * last file number of its block; undefined for any other group, and for the blocks of unnumbered
 * files (`#`, positions in name order, not file numbers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseBlockGroup("Benign:281-300"), { series: "Benign", first: 281, last: 300 });
 * assert.equal(parseBlockGroup("Pro:#001-020"), undefined);
 * assert.equal(parseBlockGroup("cnmc:H10+H3"), undefined);
 * ```
 */
export function parseBlockGroup(group: string): { series: string; first: number; last: number } | undefined {
  const m = /^(.*):(\d+)-(\d+)$/.exec(group);
  return m ? { series: m[1], first: Number(m[2]), last: Number(m[3]) } : undefined;
}
