/**
 * Generic layout: `<root>/<class>/*` with class folders mapped to labels.
 *
 * @module
 */
import type { Label } from "../../../model/core/mod.ts";
import { blockGroups } from "./blocks.ts";
import type { Candidate } from "./candidate.ts";

/** Folder-name → label mapping. Keys are compared case-insensitively. */
export type ClassMap = Record<string, Label>;

/** Default mapping: `all` → all; `normal`, `hem`, `benign` → normal. */
export const DEFAULT_CLASS_MAP: ClassMap = { all: "all", normal: "normal", hem: "normal", benign: "normal" };

/**
 * Parses `--map all=all,hem=normal,blast=all`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseClassMap("ALL=all,hem=normal"), { all: "all", hem: "normal" });
 * assert.throws(() => parseClassMap("blast=yes"), /must be <folder>=all or <folder>=normal/);
 * ```
 */
export function parseClassMap(spec: string): ClassMap {
  const out: ClassMap = {};
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split("=").map((s) => s.trim());
    if (!k || (v !== "all" && v !== "normal")) {
      throw new Error(`--map entry "${part}" must be <folder>=all or <folder>=normal, e.g. --map blast=all,hem=normal`);
    }
    out[k.toLowerCase()] = v;
  }
  if (Object.keys(out).length === 0) throw new Error(`--map is empty; give e.g. --map all=all,hem=normal`);
  return out;
}

/**
 * Candidates for `<class>/<file>` paths (only direct children of class folders at the root).
 * Folders not in the map are skipped and returned in `unmapped`. The class folder becomes the
 * subtype when two or more folders map to the same label. Groups are contiguous file-number blocks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const paths = ["all/a1.png", "hem/b1.png", "other/c1.png"];
 * const { candidates, unmapped } = folderCandidates(paths, DEFAULT_CLASS_MAP, 20);
 * assert.deepEqual(candidates.map((c) => c.label), ["all", "normal"]);
 * assert.deepEqual(unmapped, ["other"]);
 * ```
 */
export function folderCandidates(
  paths: readonly string[],
  map: ClassMap,
  blockSize: number,
): { candidates: Candidate[]; unmapped: string[] } {
  const byFolder = new Map<string, string[]>();
  for (const p of paths) {
    const parts = p.split("/");
    if (parts.length !== 2) continue;
    const list = byFolder.get(parts[0]) ?? [];
    list.push(p);
    byFolder.set(parts[0], list);
  }
  const unmapped = [...byFolder.keys()].filter((f) => !(f.toLowerCase() in map)).sort();
  const mapped = [...byFolder.keys()].filter((f) => f.toLowerCase() in map).sort();
  const perLabel = new Map<Label, number>();
  for (const f of mapped) perLabel.set(map[f.toLowerCase()], (perLabel.get(map[f.toLowerCase()]) ?? 0) + 1);
  const candidates: Candidate[] = [];
  for (const folder of mapped) {
    const label = map[folder.toLowerCase()];
    const files = byFolder.get(folder)!;
    const groups = blockGroups(files, folder, blockSize);
    const subtype = (perLabel.get(label) ?? 0) > 1 ? folder : undefined;
    for (const path of files) {
      candidates.push({
        path,
        label,
        ...(subtype ? { subtype } : {}),
        group: groups.get(path)!,
        stratum: folder,
        view: "original",
      });
    }
  }
  return { candidates, unmapped };
}
