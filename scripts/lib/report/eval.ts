/**
 * The evaluation report of one training run: learning curves, ROC and precision–recall with the
 * operating point, score distributions, confusion matrices (plain and with the review band),
 * reliability before/after temperature scaling, per-subtype recall and a gallery of misclassified
 * images (false negatives first). Writes PNGs, `report.json` and `index.html`.
 *
 * @module
 */
import { join } from "node:path";
import type { MetricValue } from "../../../model/core/mod.ts";
import type { PredictionRow } from "../metrics/predictions.ts";
import { type EvalReport, REPORTED_METRICS, type SplitReport } from "../metrics/report.ts";
import {
  confusionChart,
  learningCurvesChart,
  reliabilityChart,
  rocPrChart,
  scoreDistributionChart,
  subtypeChart,
} from "./eval_charts.ts";
import {
  confusionCells,
  curveRows,
  EVAL_SPLITS,
  misclassified,
  operatingRows,
  type OperatingSettings,
  reliabilityRows,
  scorePredictions,
  subtypeCells,
} from "./eval_data.ts";
import { type ImageLoader, ReportWriter } from "./files.ts";
import { bestEpoch, type HistoryRow } from "./history.ts";
import { type Cell, escapeHtml, figure, formatNumber, page, type Section, table } from "./html.ts";
import { thumbnail } from "./images.ts";

/** Inputs of {@link buildEvalReport}. */
export interface EvalInputs {
  /** Name shown in the title (e.g. the run folder). */
  run: string;
  predictions: readonly PredictionRow[];
  /** The evaluation (`eval.json`): temperature, threshold, review band, metrics. */
  evaluation: EvalReport;
  /** Parsed `history.json`, when the run has one. */
  history?: readonly HistoryRow[];
  /** Names of the subtype head's outputs, in order (for the subtype confusion matrix). */
  subtypes?: readonly string[];
  /** The epoch the trainer kept (see `bestEpoch`); marked on the learning curves. */
  bestEpoch?: number;
  /** Loads images by manifest-relative path for the gallery; no gallery without it. */
  load?: ImageLoader;
  /** Where the inputs came from, for the page header. */
  sources?: string;
}

/** Options of {@link buildEvalReport}. */
export interface EvalReportOptions {
  outDir: string;
  /** Split whose errors the gallery shows (default `test`, else `val`). */
  gallerySplit?: "val" | "test";
  /** Most images per error type in the gallery (default 24). */
  galleryMax?: number;
  /** Gallery thumbnail side (default 128). */
  tile?: number;
  log?: (msg: string) => void;
}

/** What {@link buildEvalReport} wrote. */
export interface EvalReportResult {
  html: string;
  files: string[];
  /** Gallery entries in page order. */
  gallery: { path: string; error: string; p: number; file?: string }[];
}

/**
 * Builds the evaluation report into `opts.outDir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluatePredictions } from "../metrics/report.ts";
 * import type { PredictionRow } from "../metrics/predictions.ts";
 * // a run's predictions.json and eval.json; `deno task report:eval` writes into runs/<run>/report
 * const predictions: PredictionRow[] = Array.from({ length: 24 }, (_, i) => ({
 *   path: `cell-${i}.png`,
 *   split: i < 12 ? "val" : "test",
 *   label: i % 2 ? "all" : "normal",
 *   logit: (i % 2 ? 2 : -2) + (i % 5) - 2,
 * }));
 * const evaluation = evaluatePredictions(predictions, { resamples: 20 });
 * const outDir = await Deno.makeTempDir();
 * const r = await buildEvalReport({ run: "x", predictions, evaluation }, { outDir });
 * assert.equal(r.html, `${outDir}/index.html`);
 * assert.ok(r.files.includes("roc_pr.png"));
 * await Deno.remove(outDir, { recursive: true });
 * ```
 */
export async function buildEvalReport(inp: EvalInputs, opts: EvalReportOptions): Promise<EvalReportResult> {
  const log = opts.log ?? (() => {});
  const ev = inp.evaluation;
  const op: OperatingSettings = { temperature: ev.temperature, threshold: ev.threshold, reviewBand: ev.reviewBand };
  const scored = scorePredictions(inp.predictions, op.temperature);
  if (scored.length === 0) throw new Error("no predictions: nothing to report");
  const out = await new ReportWriter(opts.outDir).init();
  const splits = EVAL_SPLITS.filter((s) => scored.some((r) => r.split === s));

  log("eval report: charts");
  const best = inp.bestEpoch ?? (inp.history ? bestEpoch(inp.history) : undefined);
  const curvesPng = inp.history?.length
    ? await out.chart("learning_curves.png", learningCurvesChart(inp.history, best))
    : undefined;
  const rocPng = await out.chart("roc_pr.png", rocPrChart(curveRows(scored), operatingRows(scored, op)));
  const scorePng = await out.chart("scores.png", scoreDistributionChart(scored, op));
  const cells = confusionCells(scored, op);
  const confusionPng = await out.chart("confusion.png", confusionChart(cells));
  const reliability = reliabilityRows(inp.predictions, op.temperature);
  const calibrationPng = await out.chart("calibration.png", reliabilityChart(reliability));
  const stCells = inp.subtypes?.length ? subtypeCells(inp.predictions, inp.subtypes) : [];
  const subtypePng = stCells.length ? await out.chart("subtypes.png", subtypeChart(stCells, inp.subtypes!)) : undefined;

  const gallerySplit = opts.gallerySplit ?? (splits.includes("test") ? "test" : "val");
  const max = opts.galleryMax ?? 24;
  const errors = misclassified(scored, op.threshold, gallerySplit);
  const shown = [
    ...errors.filter((e) => e.error === "false negative").slice(0, max),
    ...errors.filter((e) => e.error === "false positive").slice(0, max),
  ];
  const gallery: EvalReportResult["gallery"] = [];
  let galleryNote = "";
  if (!inp.load) galleryNote = "No images: the manifest (and so the image root) was not found; pass --manifest.";
  for (const [i, e] of shown.entries()) {
    let file: string | undefined;
    if (inp.load) {
      try {
        file = await out.image(
          `mis_${String(i + 1).padStart(3, "0")}_${e.error === "false negative" ? "fn" : "fp"}.png`,
          thumbnail((await inp.load(e.path)).image, opts.tile ?? 128),
        );
      } catch (err) {
        galleryNote = `Some images could not be loaded (first: ${(err as Error).message}).`;
      }
    }
    gallery.push({ path: e.path, error: e.error, p: e.p, ...(file ? { file } : {}) });
  }
  await out.json("report.json", {
    subtypeConfusion: stCells,
    run: inp.run,
    settings: op,
    confusion: cells,
    reliability,
    bestEpoch: best ?? null,
    gallery,
  });

  const fmtCI = (
    m: MetricValue | undefined,
  ): Cell => (m
    ? (m.ci95
      ? `${formatNumber(m.value)} [${formatNumber(m.ci95[0])}, ${formatNumber(m.ci95[1])}]`
      : formatNumber(m.value))
    : "-");
  const sides = splits.map((s) => [s, ev.metrics[s]] as const).filter((
    x,
  ): x is readonly ["val" | "test", SplitReport] => x[1] !== undefined);
  const metricRow = (name: string, f: (r: SplitReport) => Cell): Cell[] => [name, ...sides.map(([, r]) => f(r))];
  const fnCount = errors.filter((e) => e.error === "false negative").length;
  const fpCount = errors.length - fnCount;

  const sections: Section[] = [
    {
      id: "summary",
      title: "Summary",
      html: [
        `<p>Temperature <b>${formatNumber(op.temperature)}</b>; threshold on calibrated p(all) <b>${
          op.threshold.toPrecision(4)
        }</b> (p ≥ threshold → all); review band [${op.reviewBand[0].toPrecision(4)}, ${
          op.reviewBand[1].toPrecision(4)
        }) → a person decides. Chosen on ${
          escapeHtml(ev.operatingPoint?.chosenOn ?? "val")
        } for a target sensitivity of ${ev.operatingPoint?.targetSensitivity ?? "?"}. Intervals: ${
          escapeHtml(ev.bootstrap?.method ?? "none")
        }.</p>`,
        table(["metric (95% CI)", ...sides.map(([s]) => s)], [
          metricRow("images (all / normal)", (r) => `${r.n} (${r.positives} / ${r.negatives})`),
          ...REPORTED_METRICS.map((k) => metricRow(k, (r) => fmtCI(r.metrics[k]))),
          metricRow(
            "ECE before → after",
            (r) => `${formatNumber(r.ece.uncalibrated)} → ${formatNumber(r.ece.calibrated)}`,
          ),
          metricRow(
            "NLL before → after",
            (r) => `${formatNumber(r.nll.uncalibrated)} → ${formatNumber(r.nll.calibrated)}`,
          ),
          metricRow(
            "sent to review",
            (r) => `${r.review.reviewCount} (${formatNumber(100 * r.review.reviewFraction, 1)}%)`,
          ),
          metricRow("all answered normal without review", (r) => r.review.missedAll),
          metricRow("normal answered all without review", (r) => r.review.falseAll),
          metricRow(
            "sensitivity / specificity with review",
            (r) => `${formatNumber(r.review.sensitivityWithReview)} / ${formatNumber(r.review.specificityWithReview)}`,
          ),
        ], "Metrics at the threshold (from eval.json)"),
      ].join("\n"),
    },
    {
      id: "learning",
      title: "Learning curves",
      html: curvesPng
        ? figure(
          curvesPng,
          "learning curves",
          "Per-epoch training and validation values from history.json. Diverging train and val loss means over-fitting; the dashed line marks the epoch the trainer kept (its own 'best' flag, else the lowest validation loss).",
        ) + splitNote(inp.history!)
        : "<p>No history.json in this run: learning curves are not available.</p>",
    },
    {
      id: "roc",
      title: "ROC and precision–recall",
      html: figure(
        rocPng,
        "ROC and PR curves",
        "Curves over calibrated p(all) for each split. Circle: the chosen threshold; triangles: the review band's edges (below the lower edge the service answers normal on its own, above the upper edge all). The threshold is chosen on val, so test shows how it transfers.",
      ),
    },
    {
      id: "scores",
      title: "Score distributions",
      html: figure(
        scorePng,
        "score histograms",
        "How calibrated p(all) is distributed for truly all (red) and truly normal (blue) images. Red bars left of the black line are missed cases; everything in the shaded band goes to review.",
      ),
    },
    {
      id: "confusion",
      title: "Confusion matrices",
      html: [
        figure(
          confusionPng,
          "confusion matrices",
          "Top: the threshold alone. Bottom: what the service answers with the review band; 'review' cells are images a person must look at.",
        ),
        table(
          ["split", "truth", "decided all", "decided normal", "review (band)"],
          sides.flatMap(([s]) =>
            (["all", "normal"] as const).map((truth): Cell[] => {
              const c = (mode: string, predicted: string) =>
                cells.find((x) => x.split === s && x.mode === mode && x.truth === truth && x.predicted === predicted)
                  ?.count ?? 0;
              return [s, truth, c("threshold", "all"), c("threshold", "normal"), c("with review band", "review")];
            })
          ),
          "Counts at the threshold (tp, fn / fp, tn) and how many go to review",
        ),
      ].join("\n"),
    },
    {
      id: "calibration",
      title: "Calibration",
      html: figure(
        calibrationPng,
        "reliability diagrams",
        "Observed fraction of all against mean predicted p(all), 10 equal-width bins; points on the dashed diagonal are perfectly calibrated. Circle size is the number of images in the bin: bins with a few images zig-zag by chance. Temperature scaling is fitted on val; the test panel shows whether it holds.",
      ),
    },
    {
      id: "subtypes",
      title: "Per subtype",
      html: [
        sides.some(([, r]) => r.perSubtype.length)
          ? table(
            ["split", "subtype", "label", "images", "correct", "recall"],
            sides.flatMap(([s, r]) =>
              r.perSubtype.map((p): Cell[] => [s, p.subtype, p.label, p.n, p.correct, p.recall])
            ),
            "Recall per subtype at the threshold of the binary head (sensitivity for all subtypes, specificity for normal ones)",
          )
          : "<p>No subtypes in the predictions.</p>",
        subtypePng
          ? figure(
            subtypePng,
            "subtype confusion matrices",
            "The subtype head's own answer (argmax of its logits) against the true subtype. Subtypes that are confused with each other but not with Benign matter less for the all/normal decision than confusions with Benign.",
          )
          : "",
      ].join("\n"),
    },
    {
      id: "errors",
      title: `Misclassified ${gallerySplit} images`,
      html: [
        `<p>${plural(fnCount, "false negative")} (missed all) and ${plural(fpCount, "false positive")} on ${
          escapeHtml(gallerySplit)
        } at the threshold; showing up to ${max} of each, false negatives first, most confident error first.${
          galleryNote ? " " + escapeHtml(galleryNote) : ""
        }</p>`,
        `<div class="gallery">${
          gallery.map((g) => {
            const e = errors.find((x) => x.path === g.path)!;
            const inBand = g.p >= op.reviewBand[0] && g.p < op.reviewBand[1];
            const cap = [
              `<b>${g.error === "false negative" ? "FN" : "FP"}</b> p=${formatNumber(g.p)}`,
              inBand ? "sent to review" : "<b>answered without review</b>",
              escapeHtml(`${e.subtype ?? e.label} (truth ${e.label})`),
              escapeHtml(g.path),
            ].join("<br>");
            return `<figure>${
              g.file ? `<img src="${escapeHtml(g.file)}" alt="${escapeHtml(g.error)}">` : ""
            }<figcaption>${cap}</figcaption></figure>`;
          }).join("")
        }</div>`,
      ].join("\n"),
    },
  ];
  const html = await out.write("index.html", page(`Evaluation: ${inp.run}`, inp.sources ?? "", sections));
  return { html: join(opts.outDir, html), files: out.files, gallery };
}

/**
 * Names the metrics logged for only one split, so a reader does not compare, e.g., a training loss
 * that includes auxiliary terms with a plain validation loss.
 */
function splitNote(rows: readonly HistoryRow[]): string {
  const splitsOf = new Map<string, Set<string>>();
  for (const r of rows) splitsOf.set(r.metric, (splitsOf.get(r.metric) ?? new Set()).add(r.split));
  const only = (split: string) =>
    [...splitsOf.entries()].filter(([, s]) => s.size === 1 && s.has(split)).map(([m]) => m).sort();
  const train = only("train"), val = only("val");
  if (train.length === 0 && val.length === 0) return "";
  return `<p>Logged for one split only: ${train.length ? `train: ${escapeHtml(train.join(", "))}` : ""}${
    train.length && val.length ? "; " : ""
  }${
    val.length ? `val: ${escapeHtml(val.join(", "))}` : ""
  }. Where both splits share a name (e.g. loss), check that the trainer computes them the same way: a training loss may include regularisation or auxiliary heads, and training batches may be class-balanced while validation is not.</p>`;
}

/** "1 false positive", "2 false positives". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
