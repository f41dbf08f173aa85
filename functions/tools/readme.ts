/**
 * Writes README.md's generated blocks from the committed default model, so the README cannot
 * drift from what the service answers: the example request and its answer (the app in process,
 * the fixture image posted to `/v1/predict`), the card's threshold and review band, and the served
 * model's operating point on its new-patient test block (the card's shift-suite `identity` row).
 *
 *   deno task readme            # rewrite the blocks in README.md
 *   deno task readme --check    # exit 1 when README.md's blocks differ (timings and requestId aside)
 *
 * A block sits between `<!-- begin generated: NAME (deno task readme) -->` and
 * `<!-- end generated: NAME -->`; functions/tools/readme_test.ts fails when one is stale.
 *
 * @module
 */
import { basename } from "node:path";
import { toolArgs } from "../lib/cli/args.ts";

/** The image of the README's example request (a Taleqani ALL field). */
export const EXAMPLE_IMAGE = "tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg";
/** The image of the README's out-of-domain example (a C-NMC single cell, another lab). */
export const OTHER_LAB_IMAGE = "tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp";

/** The generated blocks, by name. */
export type ReadmeBlocks = Record<"example" | "model", string>;

/**
 * A JSON answer as the README shows it: one line per top-level key, the 64-hex `sha256` values
 * cut to 8 characters and `…`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   renderAnswer({ label: "all", scores: { all: 0.9, normal: 0.1 }, model: { sha256: "ab".repeat(32) } }),
 *   '{\n  "label": "all",\n  "scores": { "all": 0.9, "normal": 0.1 },\n  "model": { "sha256": "abababab…" }\n}',
 * );
 * ```
 */
export function renderAnswer(answer: Record<string, unknown>): string {
  const short = (_k: string, v: unknown) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v) ? `${v.slice(0, 8)}…` : v;
  const inline = (v: unknown) =>
    JSON.stringify(v, short)
      .replace(/^\{(.+)\}$/s, "{ $1 }")
      .replace(/^\[(.+)\]$/s, "[$1]")
      .replace(/,"/g, ', "')
      .replace(/":/g, '": ');
  const lines = Object.entries(answer).map(([k, v]) => `  ${JSON.stringify(k)}: ${inline(v)}`);
  return `{\n${lines.join(",\n")}\n}`;
}

/**
 * The README with each block between its markers replaced; throws naming a block whose markers
 * are missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const readme = "a\n<!-- begin generated: example (deno task readme) -->\nold\n<!-- end generated: example -->\nb";
 * assert.equal(
 *   replaceBlocks(readme, { example: "new" }),
 *   "a\n<!-- begin generated: example (deno task readme) -->\nnew\n<!-- end generated: example -->\nb",
 * );
 * assert.throws(() => replaceBlocks("a", { model: "x" }), /no generated block "model"/);
 * ```
 */
export function replaceBlocks(readme: string, blocks: Partial<ReadmeBlocks>): string {
  let out = readme;
  for (const [name, text] of Object.entries(blocks)) {
    const begin = `<!-- begin generated: ${name} (deno task readme) -->\n`;
    const end = `\n<!-- end generated: ${name} -->`;
    const i = out.indexOf(begin), j = out.indexOf(end, i);
    if (i < 0 || j < 0) {
      throw new Error(`README.md has no generated block "${name}" (markers: ${begin.trim()} … ${end})`);
    }
    out = out.slice(0, i + begin.length) + text + out.slice(j);
  }
  return out;
}

/**
 * `text` with the fields that change from run to run masked: an answer's `timings` and
 * `requestId`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   maskRunFields('"timings": { "totalMs": 3.3 },\n  "requestId": "701a2c66-0118"'),
 *   '"timings": {…},\n  "requestId": "…"',
 * );
 * ```
 */
export function maskRunFields(text: string): string {
  return text.replace(/"timings": \{[^}]*\}/g, '"timings": {…}').replace(/"requestId": "[^"]*"/g, '"requestId": "…"');
}

/**
 * `text` wrapped at `width` columns on spaces (a word longer than the width stays whole).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(wrap("aa bb cc dd", 5), "aa bb\ncc dd");
 * assert.equal(wrap("abcdefg hi", 5), "abcdefg\nhi");
 * ```
 */
export function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join("\n");
}

const pct = (v: number) => `${(100 * v).toFixed(v < 0.1 ? 1 : 0)}%`;
const ci = ([lo, hi]: [number, number]) => `[${(100 * lo).toFixed(1)}, ${(100 * hi).toFixed(1)}]`;

/** The shift suite's `identity` row of a card, as far as the README needs it. */
interface SuiteRow {
  name: string;
  n: { all: number; normal: number };
  allAnsweredNormal: { value: number; ci: [number, number] };
  normalAnsweredNormal: { value: number };
  normalAnsweredAll: { value: number };
  review: { value: number };
  auroc: number;
}

/**
 * The README's generated blocks for `modelPath` (default: the committed default model), from its
 * card and the app's answers to {@link EXAMPLE_IMAGE} and {@link OTHER_LAB_IMAGE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { example, model } = await readmeBlocks();
 * assert.match(example, /"decision": "all"/);
 * assert.match(model, /^The served model: `model\/all-v[\d.]+\.int8\.onnx`/);
 * // where its operating point was fitted: here the recipe's cross-validated scores
 * assert.match(model, /chosen on 2,340 out-of-fold fields \(blocked cross-validation of its recipe\)/);
 * ```
 */
export async function readmeBlocks(modelPath?: string): Promise<ReadmeBlocks> {
  const { DEFAULT_MODEL, loadModelFile } = await import("../../model/core/mod.ts");
  const { createApp } = await import("../app.ts");
  const { loadConfig } = await import("../lib/config.ts");
  const path = modelPath ?? DEFAULT_MODEL;
  const runtime = await loadModelFile(path);
  try {
    const { card } = runtime;
    const app = createApp({ model: runtime, config: loadConfig({ WARMUP: "0" }), log: () => {} });
    const predict = async (file: string, type: string) => {
      const res = await app.request("/v1/predict", {
        method: "POST",
        body: await Deno.readFile(file),
        headers: { "content-type": type },
      });
      if (res.status !== 200) throw new Error(`/v1/predict answered ${res.status} for ${file}: ${await res.text()}`);
      return await res.json() as Record<string, unknown> & { decision: string; reasons?: string[] };
    };
    const answer = await predict(EXAMPLE_IMAGE, "image/jpeg");
    const other = await predict(OTHER_LAB_IMAGE, "image/bmp");
    const name = basename(path).replace(/\.(int8|float)\.onnx$/, "");
    const [lo, hi] = card.reviewBand;
    const metrics = card.metrics as
      | {
        evaluation?: { operatingPoint?: { targetSensitivity?: number; chosenOn?: string } };
        suite?: { shifts?: SuiteRow[] };
      }
      | undefined;
    const target = metrics?.evaluation?.operatingPoint?.targetSensitivity ?? 0.99;
    // "val", or "out-of-fold: FILE (N images)" for a point fitted on a recipe's cross-validated scores
    const chosenOn = metrics?.evaluation?.operatingPoint?.chosenOn ?? "val";
    const fold = /^out-of-fold: .* \((\d+) images\)$/.exec(chosenOn);
    const where = chosenOn === "val"
      ? "on validation"
      : fold
      ? `on ${Number(fold[1]).toLocaleString("en")} out-of-fold fields (blocked cross-validation of its recipe)`
      : `on ${chosenOn}`;
    const lastReason = other.reasons?.at(-1);
    const example = [
      "```sh",
      `curl -s --data-binary @${EXAMPLE_IMAGE} \\`,
      "  -H 'Content-Type: image/jpeg' http://localhost:8000/v1/predict",
      "```",
      "",
      "```json",
      renderAnswer(answer),
      "```",
      "",
      wrap(
        "`scores.all` is p(all), calibrated by temperature scaling on held-out data. `label` is p(all) " +
          `against the card's threshold (${card.threshold.toFixed(3)} for ${name}, version ${card.version}, chosen ` +
          `for sensitivity ≥ ${target}), so it says \`all\` from p = ${card.threshold.toFixed(3)} on, not from 0.5. ` +
          `\`decision\` is \`review\` when p(all) falls in the card's review band ([${lo.toFixed(3)}, ` +
          `${hi.toFixed(3)})) or when the image is far from the training domain; \`reasons\` then says why. A ` +
          `C-NMC single cell (another lab, black background: \`${OTHER_LAB_IMAGE}\`) gets ` +
          `\`"decision": "${other.decision}"\`` +
          (lastReason ? ` with \`"reasons": [… ${JSON.stringify(lastReason)}]\`.` : "."),
      ),
    ].join("\n");
    const bytes = (await Deno.stat(path)).size;
    const suite = metrics?.suite?.shifts?.find((s) => s.name === "identity");
    const precision = card.precision.startsWith("int8") ? "int8" : card.precision;
    const model = wrap(
      `The served model: \`${path}\` (version ${card.version}, ${Math.round(bytes / 1000)} kB) with its card ` +
        `\`${path.replace(/\.onnx$/, ".json")}\`. Operating point: threshold ${card.threshold.toFixed(3)} on ` +
        `p(all) after temperature scaling, chosen ${where} for sensitivity ≥ ${target}; review band ` +
        `[${lo.toFixed(3)}, ${hi.toFixed(3)}).` + (suite
          ? ` On the new-patient test block (${suite.n.all} ALL / ${suite.n.normal} benign fields, ${precision} ` +
            `as served) the service answers \`normal\` for **${pct(suite.allAnsweredNormal.value)} of ALL ` +
            `fields** ${ci(suite.allAnsweredNormal.ci)}, \`normal\` for ${pct(suite.normalAnsweredNormal.value)} ` +
            `of benign fields (${pct(suite.normalAnsweredAll.value)} \`all\`), sends ${pct(suite.review.value)} ` +
            `to review; AUROC ${suite.auroc.toFixed(3)}.`
          : ""),
    );
    return { example, model };
  } finally {
    await runtime.close();
  }
}

if (import.meta.main) {
  const { check } = toolArgs({
    name: "readme.ts",
    usage: `Usage: deno task readme [--check]
  --check   do not write: exit 1 when README.md's generated blocks differ from what the committed
            model answers now (timings and requestId aside)
Rewrites the blocks between <!-- begin generated: NAME (deno task readme) --> and <!-- end generated: NAME -->.`,
    example: "deno task readme && git diff README.md",
    options: { check: { type: "boolean", default: false } },
  });
  const readme = await Deno.readTextFile("README.md");
  const next = replaceBlocks(readme, await readmeBlocks());
  const current = maskRunFields(next) === maskRunFields(readme);
  if (current) {
    console.log("README.md's generated blocks are current");
  } else if (check) {
    console.error("README.md's generated blocks are stale: run `deno task readme`");
    Deno.exit(1);
  } else {
    await Deno.writeTextFile("README.md", next);
    console.log("README.md: generated blocks rewritten");
  }
}
