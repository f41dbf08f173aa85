/**
 * Vega-Lite spec → SVG (vega's headless renderer) → PNG (resvg). Every chart of the reports goes
 * through {@link renderChart}, so they share one look (fonts, sizes, background).
 *
 * @module
 */
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import * as vl from "vega-lite";
import { encodeRgbaPng } from "./png.ts";

/** A Vega-Lite top-level spec (as JSON; validated by vega-lite's compiler). */
export type ChartSpec = vl.TopLevelSpec;

/** Shared look of every report chart: sans-serif text big enough to read when scaled down. */
export const CHART_CONFIG = {
  font: "DejaVu Sans, Arial, Helvetica, sans-serif",
  background: "white",
  padding: 8,
  axis: { labelFontSize: 12, titleFontSize: 13, grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 12, titleFontSize: 13 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  title: { fontSize: 15, anchor: "start" as const, offset: 10 },
  view: { stroke: "#bbb" },
};

/** A rendered chart. */
export interface RenderedChart {
  svg: string;
  png: Uint8Array;
  /** PNG size in pixels. */
  width: number;
  height: number;
}

/**
 * Compiles a Vega-Lite spec (with {@link CHART_CONFIG} under its own `config`), renders it to SVG
 * without a browser and rasterises the SVG at `scale` (2 = sharp on high-DPI screens).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pngSize } from "./png.ts";
 * const { png, width, height } = await renderChart({ data: { values: [{ x: "a", n: 3 }] }, mark: "bar",
 *   encoding: { x: { field: "x", type: "nominal" }, y: { field: "n", type: "quantitative" } } });
 * assert.deepEqual(pngSize(png), { width, height });
 * ```
 */
export async function renderChart(spec: ChartSpec, scale = 2): Promise<RenderedChart> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as ChartSpec;
  let compiled: vega.Spec;
  try {
    compiled = vl.compile(withConfig, { logger: vega.logger(vega.Error) }).spec;
  } catch (err) {
    throw new Error(`chart ${JSON.stringify(spec.title ?? "")}: invalid Vega-Lite spec: ${(err as Error).message}`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  const svg = await view.toSVG();
  view.finalize();
  const rendered = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  }).render();
  // Re-encoded by our encoder: the chart is opaque (white background), so it is stored as RGB.
  const png = encodeRgbaPng({ width: rendered.width, height: rendered.height, data: new Uint8Array(rendered.pixels) });
  return { svg, png, width: rendered.width, height: rendered.height };
}
