/**
 * Vega-Lite specs of the EDA report's charts. Pure: data in, spec out (rendered by `chart.ts`).
 *
 * @module
 */
import type { ChartSpec } from "./chart.ts";
import { type CountRow, histogramRows, type ImageRecord } from "./eda_data.ts";

const SPLIT_ORDER = ["train", "val", "test"];

/**
 * Grouped bars: images per class, one bar per split, one panel per view, with the count on each bar.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import { countRows } from "./eda_data.ts";
 * import type { ManifestItem } from "../data/split_manifest.ts";
 * const item = (path: string, split: ManifestItem["split"], subtype: string, group: string): ManifestItem => ({
 *   path, split, subtype, group, label: subtype === "Benign" ? "normal" : "all", sha256: path, view: "original",
 * });
 * const items = [
 *   item("Benign/1.jpg", "train", "Benign", "Benign:001-020"), item("Pro/1.jpg", "train", "Pro", "Pro:001-020"),
 *   item("Pro/2.jpg", "train", "Pro", "Pro:001-020"), item("Pro/30.jpg", "test", "Pro", "Pro:021-040"),
 * ];
 * const chart = await renderChart(countsChart(countRows(items)));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function countsChart(rows: readonly CountRow[]): ChartSpec {
  return {
    title: "Images per class and split (one panel per view)",
    data: { values: rows.map((r) => ({ ...r, classLabel: `${r.cls} (${r.label})` })) },
    facet: { column: { field: "view", type: "nominal", title: "view" } },
    spec: {
      width: { step: 26 },
      height: 260,
      layer: [
        { mark: "bar" },
        { mark: { type: "text", dy: -6, fontSize: 10 }, encoding: { text: { field: "count", type: "quantitative" } } },
      ],
      encoding: {
        x: { field: "classLabel", type: "nominal", title: "class", axis: { labelAngle: -30 } },
        xOffset: { field: "split", type: "nominal", sort: SPLIT_ORDER },
        y: { field: "count", type: "quantitative", title: "images" },
        color: { field: "split", type: "nominal", sort: SPLIT_ORDER, scale: { scheme: "tableau10" } },
      },
    },
    resolve: { scale: { x: "independent" } },
  } as ChartSpec;
}

/** Statistics shown in the colour histograms, in display order. */
export const COLOUR_STATS = ["meanR", "meanG", "meanB", "stdR", "stdG", "stdB"] as const;

/**
 * Frequency polygons of per-image channel means and standard deviations (RGB in [0, 1]), one
 * line per class (as a share of that class's images, so small classes are not dwarfed), one panel
 * per statistic. Classes whose lines do not overlap can be told apart by colour alone: the
 * colour shortcut a model can learn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import type { Label } from "../../../model/core/mod.ts";
 * import type { ImageRecord } from "./eda_data.ts";
 * const rec = (path: string, label: Label, cls: string, meanB: number): ImageRecord => ({
 *   path, split: "train", view: "original", label, cls, format: "jpeg", width: 224, height: 224, bytes: 10_240,
 *   stats: { meanR: 0.7, meanB },
 * });
 * const records = [
 *   rec("Benign/1.jpg", "normal", "Benign", 0.8), rec("Benign/2.jpg", "normal", "Benign", 0.75),
 *   rec("Pro/1.jpg", "all", "Pro", 0.5), rec("Pro/2.jpg", "all", "Pro", 0.55),
 * ];
 * const chart = await renderChart(colourHistogramChart(records.filter((r) => r.view === "original")));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function colourHistogramChart(
  records: readonly ImageRecord[],
  title = "Per-image colour statistics by class",
): ChartSpec {
  return {
    title,
    data: { values: histogramRows(records, COLOUR_STATS, 30) },
    facet: {
      field: "stat",
      type: "nominal",
      sort: [...COLOUR_STATS],
      title: null,
      header: { labelFontWeight: "bold" },
    },
    columns: 3,
    spec: {
      width: 250,
      height: 150,
      mark: { type: "line", strokeWidth: 1.8, interpolate: "linear" },
      encoding: {
        x: { field: "x", type: "quantitative", title: "value (RGB in [0, 1])", scale: { zero: false, nice: false } },
        y: { field: "share", type: "quantitative", title: "share of class", axis: { format: "%" } },
        color: { field: "cls", type: "nominal", title: "class", scale: { scheme: "set1" } },
      },
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  } as ChartSpec;
}

/**
 * Scatter of two image statistics, one colour per class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import type { Label } from "../../../model/core/mod.ts";
 * import type { ImageRecord } from "./eda_data.ts";
 * const rec = (path: string, label: Label, cls: string, meanB: number): ImageRecord => ({
 *   path, split: "train", view: "original", label, cls, format: "jpeg", width: 224, height: 224, bytes: 10_240,
 *   stats: { meanR: 0.7, meanB },
 * });
 * const records = [
 *   rec("Benign/1.jpg", "normal", "Benign", 0.8), rec("Benign/2.jpg", "normal", "Benign", 0.75),
 *   rec("Pro/1.jpg", "all", "Pro", 0.5), rec("Pro/2.jpg", "all", "Pro", 0.55),
 * ];
 * const chart = await renderChart(colourScatterChart(records, "meanB", "meanR"));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function colourScatterChart(records: readonly ImageRecord[], x: string, y: string): ChartSpec {
  return {
    title: `Two colour statistics that single out classes: ${x} vs ${y}`,
    width: 420,
    height: 340,
    data: { values: records.map((r) => ({ cls: r.cls, label: r.label, x: r.stats[x], y: r.stats[y] })) },
    mark: { type: "circle", size: 14, opacity: 0.55 },
    encoding: {
      x: { field: "x", type: "quantitative", title: x, scale: { zero: false } },
      y: { field: "y", type: "quantitative", title: y, scale: { zero: false } },
      color: { field: "cls", type: "nominal", title: "class", scale: { scheme: "set1" } },
    },
  } as ChartSpec;
}

/**
 * One colour statistic of every image, by split group (e.g. a block of consecutive files or a
 * subject), one panel per class, coloured by split. Steps between neighbouring groups show
 * acquisition batches; val/test groups outside the train range show a colour shift.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./chart.ts";
 * import type { Label } from "../../../model/core/mod.ts";
 * import type { ImageRecord } from "./eda_data.ts";
 * const rec = (path: string, label: Label, cls: string, meanB: number): ImageRecord => ({
 *   path, split: "train", view: "original", label, cls, format: "jpeg", width: 224, height: 224, bytes: 10_240,
 *   stats: { meanR: 0.7, meanB },
 * });
 * const records = [
 *   rec("Benign/1.jpg", "normal", "Benign", 0.8), rec("Benign/2.jpg", "normal", "Benign", 0.75),
 *   rec("Pro/1.jpg", "all", "Pro", 0.5), rec("Pro/2.jpg", "all", "Pro", 0.55),
 * ];
 * const groupOf = new Map(records.map((r) => [r.path, `${r.cls}:001-020`])); // path → manifest group
 * const chart = await renderChart(groupDriftChart(records, groupOf, "meanB"));
 * assert.ok(chart.width > 0 && chart.png.length > 0);
 * ```
 */
export function groupDriftChart(
  records: readonly ImageRecord[],
  groupOf: ReadonlyMap<string, string>,
  stat: string,
): ChartSpec {
  return {
    title: `${stat} of each image by split group (one panel per class; colour: split)`,
    data: {
      values: records.map((r) => ({
        cls: r.cls,
        split: r.split,
        group: groupOf.get(r.path) ?? "?",
        value: r.stats[stat],
      })),
    },
    facet: { column: { field: "cls", type: "nominal", title: null, header: { labelFontWeight: "bold" } } },
    spec: {
      width: 230,
      height: 220,
      mark: { type: "tick", thickness: 1.5, opacity: 0.6 },
      encoding: {
        x: {
          field: "group",
          type: "ordinal",
          sort: "ascending",
          title: "split group (sorted)",
          axis: { labels: false, ticks: false },
        },
        y: { field: "value", type: "quantitative", title: stat, scale: { zero: false } },
        color: { field: "split", type: "nominal", sort: ["train", "val", "test"], scale: { scheme: "tableau10" } },
      },
    },
    resolve: { scale: { x: "independent" } },
  } as ChartSpec;
}
