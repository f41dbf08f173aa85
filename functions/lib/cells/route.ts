/**
 * The handler of `POST /v1/cells`: the same body rules (raw image bytes, multipart `image`, JSON
 * base64), body limit and deadline, and time budget as `/v1/predict` (auth and the rate limit are
 * the app's `/v1/*` middleware), run through `cellsOfImage` with the cell model; the answer is
 * counted (`/metrics`, by the summary's decision), recorded in the audit trail (one record, the
 * field's summary: `auditedSummary`) and logged.
 *
 * @module
 */
import type { Context } from "hono";
import { routePath } from "hono/route";
import type { Metrics } from "../metrics/metrics.ts";
import type { AccessLogVariables } from "../http/access_log.ts";
import type { BodyReadOptions } from "../http/body.ts";
import { withBudget } from "../http/budget.ts";
import { readImages } from "../http/input.ts";
import type { ImageDecoder } from "../decode/job.ts";
import type { CellModel } from "./model.ts";
import { auditedSummary, type CellsAnswer, cellsOfImage } from "./pipeline.ts";

/** What the route is built from (the app's own limits, metrics and audit trail). */
export interface CellsRouteDeps {
  /** The cell classifier (`createCellModel`). */
  cells: CellModel;
  config: { maxBodyBytes: number; requestBudgetMs: number; maxCells: number; cellsMaxPixels: number };
  /** Decoding limits and decoder, as for `/v1/predict`. */
  limits: { maxPixels: number; minSide: number; decoder?: ImageDecoder };
  /** Body deadline and shutdown flag, as for `/v1/predict`. */
  body: BodyReadOptions;
  metrics: Metrics;
  /** Records the field's summary for feedback matching (the app's audit function). */
  audit: (
    c: Context<{ Variables: AccessLogVariables }>,
    route: string,
    index: number,
    answer: ReturnType<typeof auditedSummary> & Pick<CellsAnswer, "model" | "input">,
  ) => Promise<void>;
}

/**
 * `POST /v1/cells`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * import { createMetrics } from "../metrics/metrics.ts";
 * import { createCellModel } from "./model.ts";
 * // the app mounts it with its own limits and audit trail (functions/app.ts); here a bare Hono app
 * const cells = createCellModel(loadModelFile("tests/fixtures/models/tiny.int8.onnx"));
 * const app = new Hono();
 * app.post("/v1/cells", cellsRoute({
 *   cells,
 *   config: { maxBodyBytes: 1e7, requestBudgetMs: 10_000, maxCells: 32, cellsMaxPixels: 2048 * 2048 },
 *   limits: { maxPixels: 16e6, minSide: 16 },
 *   body: {},
 *   metrics: createMetrics(),
 *   audit: async () => {},
 * }));
 * const res = await app.request("/v1/cells", {
 *   method: "POST",
 *   headers: { "content-type": "image/png" },
 *   body: await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png"),
 * });
 * assert.equal(res.status, 200);
 * assert.equal((await res.json()).summary.cells, 1);
 * await (await cells.require()).close();
 * ```
 */
export function cellsRoute(deps: CellsRouteDeps) {
  const { config } = deps;
  return async (c: Context<{ Variables: AccessLogVariables }>) => {
    const startedAt = performance.now();
    const runtime = await deps.cells.require();
    const [image] = await readImages(c.req.raw, { maxBodyBytes: config.maxBodyBytes, max: 1, body: deps.body });
    const a = await withBudget(
      config.requestBudgetMs,
      (signal) =>
        cellsOfImage(runtime, image, {
          ...deps.limits,
          maxPixels: Math.min(deps.limits.maxPixels, config.cellsMaxPixels),
          maxCells: config.maxCells,
          startedAt,
          signal,
        }),
    );
    const audited = auditedSummary(a);
    c.set("log", {
      inputSha256: a.input.sha256,
      label: audited.label,
      decision: a.summary.decision,
      cells: a.summary.cells,
      cellsFound: a.locator.found,
    });
    deps.metrics.countPrediction(a.summary.decision);
    await deps.audit(c, routePath(c), 0, { ...audited, model: a.model, input: a.input });
    return c.json({ ...a, requestId: c.get("requestId") });
  };
}
