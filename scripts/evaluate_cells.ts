/**
 * The cell classifier judged as `/v1/cells` would answer. PER FIELD on a block of the fields'
 * split manifest (val to choose, test once): decode → `locateCells` → `cropCell` → the cell model
 * on each crop (the core runner, the card's preprocess, temperature, threshold, review band and
 * domain check) → the field summary rule (no cell → review; any cell `all` → all; else any review
 * → review; else normal), BESIDE the field model's answer on the whole field (e.g. all-v5): ALL
 * fields answered `normal`, benign fields answered `normal`, normal answered `all`, share sent to
 * review, with cluster-bootstrap intervals over the file-number blocks, and per class. PER CELL on
 * a one-cell-per-image dataset (the 99 C-NMC cells): answered wrongly (ALL as normal, normal as
 * all), review, right; the field model on the same images beside it.
 *
 *   deno task cells:evaluate --model model/cells-v1.int8.onnx --split val --out runs/cells/<run>/cells_val.json
 *     [--field-model model/all-v5.int8.onnx] [--manifest runs/np/manifest.json]
 *     [--cnmc runs/cnmc_subset/manifest.json] [--domain FILE] [--limit N]
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { cliArgs, numberFlag, stepFailed, UsageError } from "./lib/run/cli.ts";
import type { Split } from "./lib/data/split_manifest.ts";

const USAGE = `Usage: deno task cells:evaluate --model <cells.int8.onnx> --out <report.json> [options]
  (node --import tsx scripts/evaluate_cells.ts …)
  --model FILE        the cell classifier (its card beside it), e.g. model/cells-v1.int8.onnx
  --out FILE          the JSON report, e.g. runs/cells/rc64/cells_val.json
  --manifest FILE     the FIELDS' split manifest (runs/np/manifest.json)
  --split S           the block of fields: val | test (val; test once, for the final report)
  --field-model FILE  the field model answered beside it on the same fields (model/all-v5.int8.onnx; "" to skip)
  --cnmc FILE         a one-cell-per-image manifest for the per-cell check (runs/cnmc_subset/manifest.json; "" to skip)
  --domain FILE       the cell model's input-domain check to apply instead of its card's (deno task domain's --out)
  --limit N           at most N fields, spread evenly (quick runs)
  --card PREFIX       also write the results into the cards PREFIX.float.json and PREFIX.int8.json (after
                      deno task card): intended use, limits, metrics.cells.<split> and .cnmc; other fields kept
Cells are located and cropped with the core's defaults (locateCells, cropCell) and the service's default cap
(MAX_CELLS 32), exactly as /v1/cells does.`;

const args = cliArgs({
  name: "evaluate_cells.ts",
  usage: USAGE,
  example:
    "deno task cells:evaluate --model model/cells-v1.int8.onnx --split val --out runs/cells/rc64/cells_val.json \\\n" +
    "  --card model/cells-v1",
  options: {
    model: { type: "string" },
    out: { type: "string" },
    manifest: { type: "string", default: "runs/np/manifest.json" },
    split: { type: "string", default: "val" },
    "field-model": { type: "string", default: "model/all-v5.int8.onnx" },
    cnmc: { type: "string", default: "runs/cnmc_subset/manifest.json" },
    domain: { type: "string" },
    limit: { type: "string" },
    card: { type: "string" },
  },
  required: ["model", "out"],
}, (v) => {
  if (!["train", "val", "test"].includes(v.split!)) {
    throw new UsageError(`--split must be train, val or test, got "${v.split}"`);
  }
  return {
    model: v.model!,
    out: v.out!,
    manifest: v.manifest!,
    split: v.split as Split,
    fieldModel: v["field-model"] || undefined,
    cnmc: v.cnmc || undefined,
    domain: v.domain,
    limit: v.limit === undefined ? undefined : numberFlag(v.limit, "limit", { integer: true, min: 1 }),
    card: v.card,
  };
});

const { decodeImage, DEFAULT_CROP_OPTIONS, DEFAULT_LOCATE_OPTIONS, loadModelFile, parseModelCard } = await import(
  "../model/core/mod.ts"
);
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { readRunJsonAt } = await import("./lib/run/run_folder.ts");
const { selectItems } = await import("./lib/shift/load.ts");
const { fieldCrops } = await import("./lib/cells/crop_field.ts");
const { answerImages } = await import("./lib/cells/classify.ts");
const { DEFAULT_MAX_CELLS, summarizeCells } = await import("../model/core/mod.ts");
const { comparePaths, fieldTradeoff, tallyCells } = await import("./lib/cells/field_eval.ts");
const { annotateCellCard, cardShares } = await import("./lib/cells/card_notes.ts");
const { auroc } = await import("./lib/metrics/ranking.ts");
type CellCardMetrics = import("./lib/cells/card_notes.ts").CellCardMetrics;
type ModelCard = import("../model/core/mod.ts").ModelCard;
type ModelRuntime = import("../model/core/mod.ts").ModelRuntime;
type FieldRow = import("./lib/cells/field_eval.ts").FieldRow;
type SplitManifest = import("./lib/data/split_manifest.ts").SplitManifest;
type ManifestItem = import("./lib/data/split_manifest.ts").ManifestItem;
type ShiftAnswers = import("./lib/shift_suite/answers.ts").ShiftAnswers;

const log = (s: string) => console.error(s);

interface Models {
  cell: { runtime: ModelRuntime; card: ModelCard };
  field?: { runtime: ModelRuntime; card: ModelCard };
}

/** Every item: decode, locate, crop, the cell model per crop, the summary; the field model on the whole image. */
async function evaluateItems(manifest: SplitManifest, items: readonly ManifestItem[], m: Models): Promise<FieldRow[]> {
  const rows: FieldRow[] = [];
  const started = Date.now();
  for (const [k, item] of items.entries()) {
    const img = await decodeImage(new Uint8Array(await readFile(join(manifest.root, item.path))));
    const { located, crops } = fieldCrops(img, { locate: { maxCells: DEFAULT_MAX_CELLS } });
    const answers = await answerImages(m.cell.runtime, m.cell.card, crops);
    const cells = answers.map((a, i) => ({
      box: located.cells[i].box,
      pAll: a.scores.all,
      decision: a.decision,
      outOfDomain: a.outOfDomain,
    }));
    const row: FieldRow = {
      path: item.path,
      subtype: item.subtype ?? item.label,
      group: item.group,
      positive: item.label === "all",
      found: located.found,
      capped: located.capped,
      cells,
      summary: summarizeCells(cells.map((c) => c.decision), { found: located.found, maxCells: DEFAULT_MAX_CELLS }),
    };
    if (m.field) {
      const [f] = await answerImages(m.field.runtime, m.field.card, [img]);
      row.field = { pAll: f.scores.all, decision: f.decision, outOfDomain: f.outOfDomain };
    }
    rows.push(row);
    if ((k + 1) % 100 === 0) log(`  ${k + 1}/${items.length} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return rows;
}

const pct = (x: number | null) => (x === null ? "   –  " : `${(100 * x).toFixed(1)}%`.padStart(6));
const share = (s: ShiftAnswers["review"]) =>
  `${pct(s.value)} [${s.ci ? `${pct(s.ci[0]).trim()}, ${pct(s.ci[1]).trim()}` : "–"}] (${s.count}/${s.of})`;

function table(title: string, c: ReturnType<typeof comparePaths>): string {
  const lines = [title];
  const paths: [string, ShiftAnswers | undefined][] = [["cells → summary", c.cellPath], ["field model", c.fieldModel]];
  for (const [name, s] of paths) {
    if (!s) continue;
    lines.push(
      `  ${name.padEnd(16)} ALL→normal ${share(s.allAnsweredNormal)}  benign→normal ${
        share(s.normalAnsweredNormal)
      }  benign→all ${share(s.normalAnsweredAll)}  review ${share(s.review)}  AUROC ${s.auroc?.toFixed(3) ?? "–"}`,
    );
  }
  lines.push("  class    fields  cells/field  no-cell  | cells: all normal review | field model: all normal review");
  for (const r of c.classes) {
    lines.push(
      `  ${r.subtype.padEnd(8)} ${String(r.fields).padStart(6)}  ${r.cellsPerField.toFixed(2).padStart(11)}  ${
        String(r.noCellFields).padStart(7)
      }  | ${[r.cellPath.all, r.cellPath.normal, r.cellPath.review].map((x) => String(x).padStart(6)).join(" ")} | ${
        r.fieldModel
          ? [r.fieldModel.all, r.fieldModel.normal, r.fieldModel.review].map((x) => String(x).padStart(6)).join(" ")
          : "–"
      }`,
    );
  }
  return lines.join("\n");
}

/** A compact row for the JSON report (per-cell boxes and scores kept, 4 decimals). */
function compact(r: FieldRow) {
  const q = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    path: r.path,
    subtype: r.subtype,
    group: r.group,
    found: r.found,
    capped: r.capped,
    summary: r.summary,
    cells: r.cells.map((c) => ({
      box: c.box,
      pAll: q(c.pAll),
      decision: c.decision,
      ...(c.outOfDomain ? { outOfDomain: true } : {}),
    })),
    ...(r.field ? { field: { ...r.field, pAll: q(r.field.pAll) } } : {}),
  };
}

async function loadModel(path: string, domainFile?: string) {
  const runtime = await loadModelFile(path, { backend: "node", maxBatch: 64 });
  const domain = domainFile ? (await readRunJsonAt(domainFile, "domain"))! : runtime.card.domain;
  return { runtime, card: { ...runtime.card, ...(domain ? { domain } : {}) } as ModelCard };
}

const identity = (card: ModelCard, path: string) => ({
  path,
  id: card.id,
  version: card.version,
  sha256: card.sha256,
  threshold: card.threshold,
  reviewBand: card.reviewBand,
  domainCheck: card.domain ? (card.domain.features ? "ranges+features" : "ranges") : "none",
});

async function main(): Promise<void> {
  const models: Models = { cell: await loadModel(args.model, args.domain) };
  if (args.fieldModel) models.field = await loadModel(args.fieldModel);
  const manifest = await readSplitManifest(args.manifest);
  if (manifest.dataset.endsWith("-cells")) {
    throw new UsageError(`${args.manifest} is a crop manifest; pass the FIELDS' manifest (e.g. runs/np/manifest.json)`);
  }
  const items = selectItems(manifest, { split: args.split, limit: args.limit });
  log(
    `${items.length} ${args.split} fields: locate → crop → ${models.cell.card.id}${
      models.field ? `, and ${models.field.card.id} on the whole field` : ""
    }…`,
  );
  const rows = await evaluateItems(manifest, items, models);
  const fields = comparePaths(rows);
  console.log(table(`${manifest.dataset} ${args.split} (${rows.length} fields), per field:`, fields));
  const tradeoff = fieldTradeoff(rows, 0.01);
  const b = tradeoff.best;
  console.log(
    `  the summary rule at one cell threshold, no review band: ${
      b
        ? `at ${b.threshold.toPrecision(4)} (the best with ≤ 1% of ALL fields missed) ALL→normal ${
          pct(b.allAnsweredNormal).trim()
        }, ` +
          `benign→normal ${pct(b.normalAnsweredNormal).trim()}`
        : "no threshold misses ≤ 1% of ALL fields"
    }`,
  );

  let cnmc: Record<string, unknown> | undefined;
  if (args.cnmc) {
    const m = await readSplitManifest(args.cnmc);
    const cItems = selectItems(m, { split: "all" });
    log(`${cItems.length} ${m.dataset} images: locate → crop → the cell model…`);
    const cRows = await evaluateItems(m, cItems, models);
    const cells = tallyCells(cRows.map((r) => ({ positive: r.positive, decision: r.summary.decision })));
    const field = models.field
      ? tallyCells(cRows.map((r) => ({ positive: r.positive, decision: r.field!.decision })))
      : undefined;
    const oneCell = cRows.filter((r) => r.summary.cells === 1).length;
    // the image's score: its largest cell's p(all) (its only cell's, when it has one); 0 with none
    const ranked = cRows.map((r) => ({
      positive: r.positive,
      score: r.cells.reduce((x, c) => Math.max(x, c.pAll), 0),
    }));
    const cnmcAuroc = auroc(ranked);
    const fieldAuroc = models.field ? auroc(cRows.map((r) => ({ positive: r.positive, score: r.field!.pAll }))) : NaN;
    cnmc = {
      manifest: args.cnmc,
      dataset: m.dataset,
      n: cRows.length,
      exactlyOneCell: oneCell,
      outOfDomainCells: cRows.reduce((s, r) => s + r.cells.filter((c) => c.outOfDomain).length, 0),
      auroc: Number.isNaN(cnmcAuroc) ? null : cnmcAuroc,
      ...(models.field ? { fieldModelAuroc: Number.isNaN(fieldAuroc) ? null : fieldAuroc } : {}),
      cellPath: cells,
      ...(field ? { fieldModel: field } : {}),
      images: cRows.map(compact),
    };
    const line = (name: string, t: typeof cells) =>
      `  ${
        name.padEnd(16)
      } wrong ${t.total.wrong} (ALL→normal ${t.all.wrong}/${t.all.n}, normal→all ${t.normal.wrong}/${t.normal.n}), ` +
      `review ${t.total.review}, right ${t.total.right} (ALL ${t.all.right}, normal ${t.normal.right}) of ${t.total.n}`;
    console.log(
      `\n${m.dataset} (${args.cnmc}): ${cRows.length} images, ${oneCell} with exactly one cell; AUROC cells ` +
        `${cnmcAuroc.toFixed(3)}${models.field ? `, field model ${fieldAuroc.toFixed(3)}` : ""}`,
    );
    console.log(line("cells → summary", cells));
    if (field) console.log(line("field model", field));
  }

  const report = {
    kind: "cell-evaluation",
    created: new Date().toISOString(),
    models: {
      cell: identity(models.cell.card, args.model),
      ...(models.field ? { field: identity(models.field.card, args.fieldModel!) } : {}),
    },
    pipeline:
      "decode → floatRgbOf → locateCells (defaults) → cropCell (defaults) → the cell model's card preprocess → " +
      "ONNX → the service's answer per cell (temperature, threshold, review band, domain check) → field summary " +
      "(no cell → review; any all → all; else any review → review; else normal); the field model on the whole field",
    locate: { ...DEFAULT_LOCATE_OPTIONS, maxCells: DEFAULT_MAX_CELLS },
    crop: DEFAULT_CROP_OPTIONS,
    data: { manifest: args.manifest, dataset: manifest.dataset, split: args.split, fields: rows.length },
    fields,
    tradeoff: {
      rule: "a field is all when any cell's p(all) ≥ threshold, else normal (no review band, no domain check); " +
        "best = most normal fields answered normal with ≤ 1% of ALL fields missed",
      best: tradeoff.best,
      points: tradeoff.points.filter((_, i, a) =>
        i % Math.max(1, Math.floor(a.length / 60)) === 0 || i === a.length - 1
      ),
    },
    ...(cnmc ? { cnmc } : {}),
    perField: rows.map(compact),
  };
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, JSON.stringify(report, null, 1) + "\n");
  console.log(`wrote ${args.out}`);
  if (args.card) {
    const c = cnmc as (CellCardMetrics["cnmc"] & { images?: unknown; fieldModel?: unknown }) | undefined;
    const metrics: CellCardMetrics = {
      evaluatedWith: `${args.model} (sha256 ${models.cell.card.sha256})`,
      [args.split]: {
        manifest: args.manifest,
        split: args.split,
        fields: rows.length,
        cellPath: cardShares(fields.cellPath),
        ...(fields.fieldModel && models.field
          ? {
            fieldModel: {
              ...cardShares(fields.fieldModel),
              id: models.field.card.id,
              version: models.field.card.version,
              path: args.fieldModel!,
            },
          }
          : {}),
        classes: fields.classes,
      },
      ...(c
        ? {
          cnmc: {
            manifest: c.manifest,
            dataset: c.dataset,
            n: c.n,
            exactlyOneCell: c.exactlyOneCell,
            outOfDomainCells: c.outOfDomainCells,
            auroc: c.auroc,
            cellPath: c.cellPath,
          },
        }
        : {}),
    };
    for (const precision of ["float", "int8"]) {
      const file = `${args.card}.${precision}.json`;
      const card = parseModelCard(JSON.parse(await readFile(file, "utf8")));
      const annotated = annotateCellCard(card, metrics);
      parseModelCard(annotated);
      await writeFile(file, JSON.stringify(annotated, null, 2) + "\n");
      console.log(`wrote the cell results into ${file}`);
    }
  }
  await models.cell.runtime.close();
  await models.field?.runtime.close();
}

main().catch(stepFailed("evaluate_cells"));
