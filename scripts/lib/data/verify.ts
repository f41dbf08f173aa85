/**
 * Leak checks on a finished manifest.
 *
 * @module
 */
import type { ManifestItem } from "./split_manifest.ts";

/**
 * Problems that would leak data between sides: a group or SHA-256 on two sides, an extra view
 * outside train, or an extra view whose original is missing or in another group. Empty when clean.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ManifestItem, Split } from "./split_manifest.ts";
 * const item = (path: string, split: Split, group: string, sha256: string): ManifestItem =>
 *   ({ path, split, group, sha256, label: "all", view: "original" });
 * assert.deepEqual(manifestLeaks([item("a.png", "train", "g1", "h1"), item("b.png", "test", "g2", "h2")]), []);
 * // the same bytes on two sides
 * assert.deepEqual(manifestLeaks([item("a.png", "train", "g1", "h1"), item("copy.png", "test", "g2", "h1")]), [
 *   "sha256 h1 is on train and test",
 * ]);
 * ```
 */
export function manifestLeaks(items: readonly (ManifestItem & { twinOf?: string })[]): string[] {
  const problems: string[] = [];
  const sideOf = (key: string, map: Map<string, string>, split: string, what: string) => {
    const prev = map.get(key);
    if (prev !== undefined && prev !== split) problems.push(`${what} ${key} is on ${prev} and ${split}`);
    else map.set(key, split);
  };
  const groups = new Map<string, string>();
  const hashes = new Map<string, string>();
  const byPath = new Map(items.map((i) => [i.path, i]));
  for (const it of items) {
    sideOf(it.group, groups, it.split, "group");
    sideOf(it.sha256, hashes, it.split, "sha256");
    if (it.view !== "original") {
      if (it.split !== "train") {
        problems.push(`extra view ${it.path} is on ${it.split}; extra views belong to train only`);
      }
      const orig = it.twinOf ? byPath.get(it.twinOf) : undefined;
      if (!orig) problems.push(`extra view ${it.path} has no original in the manifest`);
      else if (orig.group !== it.group || orig.split !== it.split) {
        problems.push(`extra view ${it.path} is not with its original ${orig.path}`);
      }
    }
  }
  return problems;
}
