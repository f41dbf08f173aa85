/**
 * The oracle of the fuzzer: one input through `decodeImage` and through the whole request path
 * (`app.request`), reporting what must never happen: an exception other than
 * `ImageDecodeError` from a decoder, a 5xx, or an answer that is not the API's JSON.
 *
 * @module
 */
import type { Hono } from "hono";
import { decodeImage, ImageDecodeError } from "../../../model/core/mod.ts";

/** Something the fuzzer must report. */
export interface Finding {
  kind: "exception" | "server_error" | "bad_answer" | "hang";
  /** `decodeImage`, or the route. */
  target: string;
  detail: string;
}

/** One fuzz case as sent to the checker. */
export interface FuzzCase {
  bytes: Uint8Array;
  /** Content-Type to send (`""`: none). */
  contentType: string;
  route: "/v1/predict" | "/v1/explain" | "/v1/cells";
}

/** Limits passed to `decodeImage` (the app applies its own config). */
export interface CheckLimits {
  maxPixels: number;
  minSide: number;
}

/**
 * Runs `c` through the decoder and the app; returns the findings (empty: fine) and the HTTP
 * status and error code the app answered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createApp } from "../../app.ts";
 * import { loadConfig } from "../../lib/config.ts";
 * import { loadModelFile } from "../../../model/core/mod.ts";
 * const model = await loadModelFile("tests/fixtures/models/tiny.int8.onnx");
 * const app = createApp({ model, config: loadConfig({}), log: () => {} });
 * const limits = { maxPixels: 4096 * 4096, minSide: 16 };
 * const bytes = await Deno.readFile("tests/fixtures/images/cnmc_all_UID_35_6_2_all.png");
 * const r = await checkCase(app, { bytes, contentType: "image/png", route: "/v1/predict" }, limits);
 * assert.deepEqual(r.findings, []);
 * assert.equal(r.status, 200);
 * const truncated = { bytes: bytes.slice(0, 100), contentType: "image/png", route: "/v1/predict" } as const;
 * const cut = await checkCase(app, truncated, limits);
 * assert.deepEqual([cut.findings, cut.status, cut.code], [[], 400, "corrupt_image"]); // refused, as it must be
 * await model.close();
 * ```
 */
export async function checkCase(
  app: Hono<never> | { request: Hono["request"] },
  c: FuzzCase,
  limits: CheckLimits,
): Promise<{ findings: Finding[]; status: number; code: string }> {
  const findings: Finding[] = [];
  try {
    const img = await decodeImage(c.bytes, limits);
    if (img.data.length !== img.width * img.height * 4) {
      findings.push({
        kind: "bad_answer",
        target: "decodeImage",
        detail: `pixel buffer ${img.data.length} for ${img.width}×${img.height}`,
      });
    }
  } catch (err) {
    if (!(err instanceof ImageDecodeError)) {
      findings.push({ kind: "exception", target: "decodeImage", detail: describe(err) });
    }
  }
  let status = 0;
  let code = "";
  try {
    const res = await app.request(c.route, {
      method: "POST",
      body: c.bytes as Uint8Array<ArrayBuffer>,
      headers: c.contentType ? { "content-type": c.contentType } : {},
    });
    status = res.status;
    const text = await res.text();
    let body: { error?: { code?: string }; label?: string; summary?: { decision?: string } } | undefined;
    try {
      body = JSON.parse(text);
    } catch { /* reported below */ }
    code = status === 200 ? "ok" : body?.error?.code ?? "?";
    if (status >= 500) {
      findings.push({ kind: "server_error", target: c.route, detail: `${status} ${text.slice(0, 300)}` });
    } else if (
      !body ||
      (status === 200
        ? typeof (c.route === "/v1/cells" ? body.summary?.decision : body.label) !== "string"
        : typeof body.error?.code !== "string")
    ) {
      findings.push({ kind: "bad_answer", target: c.route, detail: `${status} ${text.slice(0, 300)}` });
    }
  } catch (err) {
    findings.push({ kind: "exception", target: c.route, detail: describe(err) });
  }
  return { findings, status, code };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return `${err.name}: ${err.message}\n${err.stack?.split("\n").slice(1, 5).join("\n") ?? ""}`;
}
