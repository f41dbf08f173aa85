/**
 * Vega-Lite specs of the evaluation report's charts. Pure: data in, spec out.
 *
 * @module
 */
import type { ChartSpec } from "./chart.ts";
import type {
  ConfusionCell,
  CurveRow,
  OperatingRow,
  ReliabilityRow,
  ScoredPrediction,
  SubtypeCell,
} from "./eval_data.ts";
import type { HistoryRow } from "./history.ts";

const SPLIT_COLOURS = { domain: ["val", "test"], range: ["#f58518", "#4c78a8"] };
const OP_SHAPES = {
  domain: ["threshold", "review low", "review high"],
  range: ["circle", "triangle-down", "triangle-up"],
};

/**
 * Learning curves: one panel per metric, train and val lines, a dashed rule at the kept epoch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import { bestEpoch, parseHistory } from "./history.ts";
 * const rows = parseHistory([1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, val_loss: 1 / epoch + 0.1 })));
 * const chart = await renderChart(learningCurvesChart(rows, bestEpoch(rows)));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function learningCurvesChart(rows: readonly HistoryRow[], best?: number): ChartSpec {
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const ordered = [...metrics.filter((m) => m === "loss"), ...metrics.filter((m) => m !== "loss").sort()];
  const epochs = rows.map((r) => r.epoch);
  // One fixed epoch range for every panel, so the kept-epoch rule lines up across panels.
  const epochScale = { domain: [Math.min(...epochs), Math.max(...epochs)], nice: false };
  const layers: unknown[] = [
    {
      mark: { type: "line", point: { size: 18 }, strokeWidth: 2 },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 }, scale: epochScale },
        y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
        color: {
          field: "split",
          type: "nominal",
          title: "split",
          scale: { domain: ["train", "val", "other"], range: ["#54a24b", "#f58518", "#888"] },
        },
      },
    },
  ];
  if (best !== undefined) {
    layers.push({
      transform: [{ filter: "datum.epoch === " + best }],
      mark: { type: "rule", strokeDash: [4, 3], color: "#666" },
      encoding: { x: { field: "epoch", type: "quantitative", scale: epochScale } },
    });
  }
  return {
    title: best !== undefined ? `Learning curves (dashed: kept epoch ${best})` : "Learning curves",
    data: { values: rows as unknown as Record<string, unknown>[] },
    facet: { field: "metric", type: "nominal", sort: ordered, title: null, header: { labelFontWeight: "bold" } },
    columns: Math.min(3, ordered.length),
    spec: { width: 280, height: 180, layer: layers },
    resolve: { scale: { y: "independent" } },
  } as ChartSpec;
}

/**
 * ROC (left) and precision–recall (right) curves per split, with the threshold and the review
 * band's edges marked on each curve.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import { curveRows, operatingRows, scorePredictions } from "./eval_data.ts";
 * import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];const op = { temperature: 1, threshold: 0.3, reviewBand: [0.1, 0.8] as [number, number] }; // from eval.json
 * const scored = scorePredictions(rows, op.temperature);
 * const chart = await renderChart(rocPrChart(curveRows(scored), operatingRows(scored, op)));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function rocPrChart(curves: readonly CurveRow[], ops: readonly OperatingRow[]): ChartSpec {
  const colour = { field: "split", type: "nominal", title: "split", scale: SPLIT_COLOURS };
  const opLayer = (x: string, y: string) => ({
    data: { values: ops },
    mark: { type: "point", filled: true, size: 110, stroke: "black", strokeWidth: 0.8, opacity: 1, clip: true },
    encoding: {
      x: { field: x, type: "quantitative" },
      y: { field: y, type: "quantitative" },
      color: colour,
      shape: { field: "kind", type: "nominal", title: "operating point", scale: OP_SHAPES },
      tooltip: [{ field: "kind" }, { field: "p", format: ".4f" }],
    },
  });
  type Axis = { field: string; title: string; domain: [number, number] };
  const panel = (title: string, x: Axis, y: Axis, diagonal: boolean) => ({
    title,
    width: 330,
    height: 300,
    layer: [
      ...(diagonal
        ? [{
          data: { values: [{ a: 0 }, { a: 1 }] },
          mark: { type: "line", strokeDash: [3, 3], color: "#aaa", clip: true },
          encoding: {
            x: { field: "a", type: "quantitative", scale: { domain: x.domain, nice: false } },
            y: { field: "a", type: "quantitative", scale: { domain: y.domain, nice: false } },
          },
        }]
        : []),
      {
        data: { values: curves },
        mark: { type: "line", strokeWidth: 2, interpolate: diagonal ? "linear" : "step-before", clip: true },
        encoding: {
          x: { field: x.field, type: "quantitative", title: x.title, scale: { domain: x.domain, nice: false } },
          y: { field: y.field, type: "quantitative", title: y.title, scale: { domain: y.domain, nice: false } },
          order: { field: "order", type: "quantitative" },
          color: colour,
        },
      },
      opLayer(x.field, y.field),
    ],
  });
  const z = zoomDomains(ops);
  const fpr = "false positive rate (1 − specificity)",
    tpr = "sensitivity (recall on all)",
    rec = "recall on all (sensitivity)";
  return {
    title: "ROC and precision–recall (marks: chosen threshold and review-band edges; bottom: zoomed)",
    vconcat: [
      {
        hconcat: [
          panel(
            "ROC",
            { field: "fpr", title: fpr, domain: [0, 1] },
            { field: "tpr", title: tpr, domain: [0, 1] },
            true,
          ),
          panel("Precision–recall", { field: "tpr", title: rec, domain: [0, 1] }, {
            field: "precision",
            title: "precision (PPV)",
            domain: [0, 1],
          }, false),
        ],
      },
      {
        hconcat: [
          panel("ROC, zoomed", { field: "fpr", title: fpr, domain: [0, z.fprMax] }, {
            field: "tpr",
            title: tpr,
            domain: [z.tprMin, 1],
          }, true),
          panel(
            "Precision–recall, zoomed",
            { field: "tpr", title: rec, domain: [z.tprMin, 1] },
            { field: "precision", title: "precision (PPV)", domain: [z.precisionMin, 1] },
            false,
          ),
        ],
      },
    ],
    resolve: { scale: { color: "shared", shape: "shared" } },
  } as ChartSpec;
}

/**
 * Axis ranges that frame the operating points with some margin: false positive rate up to twice
 * the largest one (at least 0.05), sensitivity and precision from a margin below the smallest
 * one (rounded down to 0.05, at most 0.9).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(zoomDomains([{ fpr: 0.02, tpr: 0.97, precision: 0.99 }]), {
 *   fprMax: 0.05,
 *   tprMin: 0.9,
 *   precisionMin: 0.9,
 * });
 * ```
 */
export function zoomDomains(ops: readonly Pick<OperatingRow, "fpr" | "tpr" | "precision">[]): {
  fprMax: number;
  tprMin: number;
  precisionMin: number;
} {
  const finite = (xs: number[]) => xs.filter(Number.isFinite);
  const lowEdge = (v: number) => Math.min(0.9, Math.max(0, Math.floor((v - Math.max(0.05, 1 - v)) * 20 + 1e-9) / 20));
  const fpr = finite(ops.map((o) => o.fpr)),
    tpr = finite(ops.map((o) => o.tpr)),
    prec = finite(ops.map((o) => o.precision));
  return {
    fprMax: Math.min(1, Math.max(0.05, 2 * Math.max(0, ...fpr))),
    tprMin: tpr.length ? lowEdge(Math.min(...tpr)) : 0,
    precisionMin: prec.length ? lowEdge(Math.min(...prec)) : 0,
  };
}

/**
 * Confusion matrices: one column per split, one row per decision mode (threshold only; with the
 * review band), counts printed in the cells.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import { confusionCells, scorePredictions } from "./eval_data.ts";
 * import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];const op = { temperature: 1, threshold: 0.3, reviewBand: [0.1, 0.8] as [number, number] }; // from eval.json
 * const chart = await renderChart(confusionChart(confusionCells(scorePredictions(rows, op.temperature), op)));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function confusionChart(cells: readonly ConfusionCell[]): ChartSpec {
  const splits = ["val", "test"].filter((s) => cells.some((c) => c.split === s));
  const modes = ["threshold", "with review band"] as const;
  const unit = (split: string, mode: string, first: boolean) => ({
    title: { text: `${split}: ${mode}`, fontSize: 13 },
    width: { step: 80 },
    height: { step: 60 },
    data: {
      values: cells
        .filter((c) => c.split === split && c.mode === mode)
        .map((c) => ({
          ...c,
          cell: c.predicted === "review" ? "review" : c.predicted === c.truth ? "correct" : "error",
        })),
    },
    encoding: {
      x: {
        field: "predicted",
        type: "nominal",
        title: "decision",
        sort: ["normal", "review", "all"],
        axis: { labelAngle: 0, orient: "top", grid: false },
      },
      y: {
        field: "truth",
        type: "nominal",
        title: first ? "truth" : null,
        sort: ["all", "normal"],
        axis: { grid: false },
      },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 2 },
        encoding: {
          color: {
            field: "cell",
            type: "nominal",
            title: "cell",
            scale: { domain: ["correct", "error", "review"], range: ["#a1d99b", "#fc9272", "#fdd49e"] },
          },
        },
      },
      {
        mark: { type: "text", fontSize: 18, fontWeight: "bold" },
        encoding: { text: { field: "count", type: "quantitative" } },
      },
    ],
  });
  return {
    title: "Confusion matrices (rows: truth; columns: decision)",
    vconcat: modes.map((mode) => ({ hconcat: splits.map((split, i) => unit(split, mode, i === 0)) })),
    resolve: { scale: { color: "shared" } },
  } as ChartSpec;
}

/**
 * Reliability diagrams per split: fraction of `all` against mean predicted p(all) per bin, before
 * and after temperature scaling; point size is the bin's image count; dashed diagonal = perfect.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import { reliabilityRows } from "./eval_data.ts";
 * import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const chart = await renderChart(reliabilityChart(reliabilityRows(rows, 1.5)));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function reliabilityChart(rows: readonly ReliabilityRow[]): ChartSpec {
  return {
    title: "Calibration (reliability) before and after temperature scaling",
    data: { values: rows },
    facet: {
      column: {
        field: "split",
        type: "nominal",
        title: null,
        sort: ["val", "test"],
        header: { labelFontWeight: "bold" },
      },
    },
    spec: {
      width: 300,
      height: 300,
      layer: [
        {
          data: { values: [{ a: 0 }, { a: 1 }] },
          mark: { type: "line", strokeDash: [3, 3], color: "#999" },
          encoding: { x: { field: "a", type: "quantitative" }, y: { field: "a", type: "quantitative" } },
        },
        {
          mark: { type: "line", point: true, strokeWidth: 1.5 },
          encoding: {
            x: {
              field: "meanPredicted",
              type: "quantitative",
              title: "mean predicted p(all)",
              scale: { domain: [0, 1] },
            },
            y: {
              field: "fractionPositive",
              type: "quantitative",
              title: "observed fraction all",
              scale: { domain: [0, 1] },
            },
            color: {
              field: "calibration",
              type: "nominal",
              title: "calibration",
              scale: { range: ["#e45756", "#4c78a8"] },
            },
          },
        },
        {
          mark: { type: "circle", opacity: 0.35 },
          encoding: {
            x: { field: "meanPredicted", type: "quantitative" },
            y: { field: "fractionPositive", type: "quantitative" },
            size: {
              field: "count",
              type: "quantitative",
              title: "images in bin",
              scale: { type: "sqrt", range: [10, 600] },
            },
            color: { field: "calibration", type: "nominal" },
          },
        },
      ],
    },
  } as ChartSpec;
}

/**
 * Histograms of calibrated p(all) per true label and split (symlog count axis), with the threshold
 * (solid) and review band (shaded) marked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import { scorePredictions } from "./eval_data.ts";
 * import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];const op = { temperature: 1, threshold: 0.3, reviewBand: [0.1, 0.8] as [number, number] }; // from eval.json
 * const chart = await renderChart(scoreDistributionChart(scorePredictions(rows, op.temperature), op));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function scoreDistributionChart(
  rows: readonly ScoredPrediction[],
  op: { threshold: number; reviewBand: [number, number] },
): ChartSpec {
  return {
    title: "Calibrated p(all) by true label (shaded: review band; line: threshold)",
    data: { values: rows.map((r) => ({ split: r.split, truth: r.label, p: r.p })) },
    facet: {
      column: {
        field: "split",
        type: "nominal",
        title: null,
        sort: ["val", "test"],
        header: { labelFontWeight: "bold" },
      },
    },
    spec: {
      width: 330,
      height: 200,
      layer: [
        {
          data: { values: [{ lo: op.reviewBand[0], hi: op.reviewBand[1] }] },
          mark: { type: "rect", color: "#fdd49e", opacity: 0.6 },
          encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
        },
        {
          mark: { type: "bar", opacity: 0.7, binSpacing: 0 },
          encoding: {
            x: {
              field: "p",
              type: "quantitative",
              bin: { extent: [0, 1], step: 0.04 },
              title: "calibrated p(all)",
              axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1] },
            },
            y: {
              aggregate: "count",
              type: "quantitative",
              title: "images (symlog)",
              stack: null,
              scale: { type: "symlog" },
            },
            color: {
              field: "truth",
              type: "nominal",
              title: "truth",
              scale: { domain: ["all", "normal"], range: ["#e45756", "#4c78a8"] },
            },
          },
        },
        {
          data: { values: [{ t: op.threshold }] },
          mark: { type: "rule", strokeWidth: 2, color: "black" },
          encoding: { x: { field: "t", type: "quantitative" } },
        },
      ],
    },
  } as ChartSpec;
}

/**
 * Subtype confusion matrices from the subtype head, one panel per split; cell colour is the share
 * of the true subtype, the text the count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import { subtypeCells } from "./eval_data.ts";
 * import type { PredictionRow } from "../metrics/predictions.ts";
 * const rows: PredictionRow[] = [
 *   { path: "a.png", split: "test", label: "all", logit: 2, subtype: "Pro", subtypeLogits: [0, 2] },
 *   { path: "b.png", split: "test", label: "all", logit: -1, subtype: "Pro", subtypeLogits: [1, 0] },
 *   { path: "c.png", split: "test", label: "normal", logit: -2, subtype: "Benign", subtypeLogits: [2, 0] },
 *   { path: "d.png", split: "test", label: "normal", logit: 0.5, subtype: "Benign", subtypeLogits: [1, 0] },
 * ];
 * const names = ["Benign", "Pro"]; // the card's subtypes
 * const chart = await renderChart(subtypeChart(subtypeCells(rows, names), names));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function subtypeChart(cells: readonly SubtypeCell[], names: readonly string[]): ChartSpec {
  const splits = ["val", "test"].filter((s) => cells.some((c) => c.split === s));
  return {
    title: "Subtype head: confusion (rows: true subtype; columns: predicted; colour: share of row)",
    hconcat: splits.map((split) => ({
      title: { text: split, fontSize: 13 },
      width: { step: 56 },
      height: { step: 40 },
      data: { values: cells.filter((c) => c.split === split) },
      encoding: {
        x: {
          field: "predicted",
          type: "nominal",
          sort: [...names],
          title: "predicted",
          axis: { orient: "top", labelAngle: 0, grid: false },
        },
        y: { field: "truth", type: "nominal", sort: [...names], title: "truth", axis: { grid: false } },
      },
      layer: [
        {
          mark: { type: "rect", stroke: "white", strokeWidth: 1 },
          encoding: {
            color: {
              field: "share",
              type: "quantitative",
              title: "share of row",
              scale: { scheme: "blues", domain: [0, 1] },
            },
          },
        },
        {
          mark: { type: "text", fontSize: 13 },
          encoding: {
            text: { field: "count", type: "quantitative" },
            color: { condition: { test: "datum.share > 0.6", value: "white" }, value: "black" },
          },
        },
      ],
    })),
  } as ChartSpec;
}
