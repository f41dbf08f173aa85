/**
 * Turns the service's feedback export (`GET /v1/feedback`, NDJSON) and the images the lab keeps
 * into a manifest addition for the training pipeline.
 *
 *   curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8000/v1/feedback > feedback.ndjson
 *   deno task ingest --feedback feedback.ndjson --images /lab/archive \
 *     [--manifest runs/x/manifest.json] [--split train] --out runs/x/feedback_addition.json
 *
 * Matching: the service never stores images, only each upload's SHA-256; every image file under
 * `--images` is hashed and a feedback record is matched to the file with the same SHA-256 (the
 * exact bytes that were uploaded). When several records label the same image, the latest wins
 * (disagreements are counted). Images already in `--manifest` are skipped (no train/test leak);
 * records without a matching file are listed under `unmatched`.
 *
 * Output: `{ version: 1, kind: "feedback-addition", root, created, items, unmatched, stats }`,
 * where `items` are split-manifest items (path relative to `root`, label, sha256, group
 * `case:<caseId>` when the reviewer gave the case, else one group per image `feedback:<sha>`,
 * split from `--split`, view `original`) plus `feedback` provenance
 * (record id, reviewer, model version and label, whether the model agreed).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import process from "node:process";
import type { Label } from "../model/core/mod.ts";
import { listImageFiles, sha256File } from "./lib/data/files.ts";
import type { ManifestItem, Split } from "./lib/data/split_manifest.ts";
import type { FeedbackRecord } from "../model/core/mod.ts";
import { cliArgs, UsageError } from "./lib/run/cli.ts";

/** A manifest item made from feedback, with where its label came from. */
export interface FeedbackItem extends ManifestItem {
  feedback: {
    id: string;
    ts: string;
    reviewer?: string;
    requestId: string;
    caseId?: string;
    model: { id: string; version: string };
    modelLabel: Label;
    agrees: boolean;
  };
}

/** The file this script writes. */
export interface FeedbackAddition {
  version: 1;
  kind: "feedback-addition";
  /** Absolute folder the item paths are relative to. */
  root: string;
  created: string;
  items: FeedbackItem[];
  /** Input hashes with feedback but no image file under the root. */
  unmatched: string[];
  stats: { records: number; images: number; matched: number; disagreements: number; alreadyInManifest: number };
}

/**
 * Parses an NDJSON export (blank lines ignored); says which line is broken.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FeedbackRecord } from "../model/core/mod.ts";
 * const sha = "ab".repeat(32); // SHA-256 of the uploaded file
 * const record: FeedbackRecord = {
 *   id: "2025-01-02T10:00:00.000Z_0123456789abcdef", ts: "2025-01-02T10:00:00.000Z", label: "all", reviewer: "lab-2",
 *   prediction: {
 *     requestId: "r1", index: 0, route: "/v1/predict", inputSha256: sha,
 *     model: { id: "all-screen", version: "4.0.0", sha256: "cd".repeat(32) },
 *     label: "normal", scores: { all: 0.3, normal: 0.7 }, decision: "review", ts: "2025-01-02T09:59:00.000Z",
 *   },
 * };
 * const ndjson = JSON.stringify(record) + "\n\n"; // GET /v1/feedback
 * assert.deepEqual(parseExport(ndjson), [record]);
 * assert.throws(() => parseExport(ndjson + "{}\n"), /feedback export line 3: not a feedback record/);
 * ```
 */
export function parseExport(text: string): FeedbackRecord[] {
  return text.split("\n").flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      const r = JSON.parse(line) as FeedbackRecord;
      if (
        !r.id || (r.label !== "all" && r.label !== "normal") || !/^[0-9a-f]{64}$/.test(r.prediction?.inputSha256 ?? "")
      ) {
        throw new Error("not a feedback record");
      }
      return [r];
    } catch (e) {
      throw new Error(`feedback export line ${i + 1}: ${(e as Error).message}; pass the NDJSON from GET /v1/feedback`);
    }
  });
}

/**
 * Builds the addition from feedback records and the hashes of the lab's image files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FeedbackRecord } from "../model/core/mod.ts";
 * const sha = "ab".repeat(32); // SHA-256 of the uploaded file
 * const record: FeedbackRecord = {
 *   id: "2025-01-02T10:00:00.000Z_0123456789abcdef", ts: "2025-01-02T10:00:00.000Z", label: "all", reviewer: "lab-2",
 *   prediction: {
 *     requestId: "r1", index: 0, route: "/v1/predict", inputSha256: sha,
 *     model: { id: "all-screen", version: "4.0.0", sha256: "cd".repeat(32) },
 *     label: "normal", scores: { all: 0.3, normal: 0.7 }, decision: "review", ts: "2025-01-02T09:59:00.000Z",
 *   },
 * };
 * const records = [record];
 * const add = buildAddition(records, new Map([[sha, "2025/cell-1.png"]]), "/lab/archive", { split: "train" });
 * assert.deepEqual(add.items.map((i) => [i.path, i.label, i.group, i.feedback.agrees]), [
 *   ["2025/cell-1.png", "all", `feedback:${sha}`, false], // the reviewer overruled the model
 * ]);
 * assert.deepEqual(add.unmatched, []);
 * // with the lab's case key, the case's images share a group (a patient for splits and recalibration)
 * const withCase = buildAddition([{ ...record, caseId: "c-17" }], new Map([[sha, "2025/cell-1.png"]]), "/lab/archive", { split: "train" });
 * assert.equal(withCase.items[0].group, "case:c-17");
 * ```
 */
export function buildAddition(
  records: FeedbackRecord[],
  files: Map<string, string>,
  root: string,
  opts: { split: Split; exclude?: Set<string>; now?: Date },
): FeedbackAddition {
  const latest = new Map<string, FeedbackRecord>();
  const labels = new Map<string, Set<Label>>();
  for (const r of [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const sha = r.prediction.inputSha256;
    latest.set(sha, r);
    labels.set(sha, (labels.get(sha) ?? new Set()).add(r.label));
  }
  const items: FeedbackItem[] = [];
  const unmatched: string[] = [];
  let alreadyInManifest = 0;
  for (const [sha, r] of latest) {
    const path = files.get(sha);
    if (!path) {
      unmatched.push(sha);
      continue;
    }
    if (opts.exclude?.has(sha)) {
      alreadyInManifest++;
      continue;
    }
    items.push({
      path,
      label: r.label,
      group: r.caseId ? `case:${r.caseId}` : `feedback:${sha}`,
      split: opts.split,
      sha256: sha,
      view: "original",
      feedback: {
        id: r.id,
        ts: r.ts,
        ...(r.reviewer ? { reviewer: r.reviewer } : {}),
        requestId: r.prediction.requestId,
        ...(r.caseId ? { caseId: r.caseId } : {}),
        model: { id: r.prediction.model.id, version: r.prediction.model.version },
        modelLabel: r.prediction.label,
        agrees: r.prediction.label === r.label,
      },
    });
  }
  items.sort((a, b) => a.path.localeCompare(b.path));
  return {
    version: 1,
    kind: "feedback-addition",
    root,
    created: (opts.now ?? new Date()).toISOString(),
    items,
    unmatched: unmatched.sort(),
    stats: {
      records: records.length,
      images: latest.size,
      matched: latest.size - unmatched.length,
      disagreements: [...labels.values()].filter((s) => s.size > 1).length,
      alreadyInManifest,
    },
  };
}

const USAGE = `Usage: deno task ingest --feedback <feedback.ndjson> --images <folder> --out <addition.json> [options]
  (node --import tsx scripts/ingest_feedback.ts …)
  --feedback FILE   the service's feedback export (GET /v1/feedback, NDJSON)
  --images DIR      the lab's image folder: each file is matched to a record by its SHA-256
  --out FILE        the manifest addition to write
  --manifest FILE   a split manifest whose images are skipped (no train/test leak)
  --split S         the split the new items go to: train | val | test (train)
Prints the counts: records, images, matched, disagreements, already in the manifest, unmatched.`;

async function main(): Promise<void> {
  const a = cliArgs({
    name: "ingest_feedback.ts",
    usage: USAGE,
    example: `curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8000/v1/feedback > feedback.ndjson
deno task ingest --feedback feedback.ndjson --images /lab/archive --manifest runs/x/manifest.json \\
  --out runs/x/feedback_addition.json`,
    options: {
      feedback: { type: "string" },
      images: { type: "string" },
      manifest: { type: "string" },
      split: { type: "string", default: "train" },
      out: { type: "string" },
    },
    required: ["feedback", "images", "out"],
  }, (v) => {
    if (!["train", "val", "test"].includes(v.split!)) {
      throw new UsageError(`--split must be train, val or test, got "${v.split}"`);
    }
    return { ...v, feedback: v.feedback!, images: v.images!, out: v.out!, split: v.split as Split };
  });
  const records = parseExport(await readFile(a.feedback, "utf8"));
  const root = resolve(a.images);
  const files = new Map<string, string>();
  for (const p of await listImageFiles(root)) {
    const sha = await sha256File(`${root}/${p}`);
    if (!files.has(sha)) files.set(sha, p);
  }
  const exclude = a.manifest
    ? new Set<string>((JSON.parse(await readFile(a.manifest, "utf8")).items as ManifestItem[]).map((i) => i.sha256))
    : undefined;
  const addition = buildAddition(records, files, root, { split: a.split, exclude });
  await mkdir(dirname(resolve(a.out)), { recursive: true });
  await writeFile(a.out, JSON.stringify(addition, null, 2) + "\n");
  console.log(JSON.stringify({ out: a.out, ...addition.stats, unmatched: addition.unmatched.length }));
}

if (import.meta.main ?? (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)) {
  await main().catch((err) => {
    console.error(`ingest_feedback: ${(err as Error).message}`);
    process.exit(1);
  });
}
