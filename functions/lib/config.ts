/**
 * Service configuration, read once from environment variables (no global state: the result is
 * passed to `createApp`).
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `MODEL` | `model/all-v6.1.int8.onnx` | ONNX model; its card is `<same name>.json` |
 * | `HOST` | `0.0.0.0` | listen address (Deno entry) |
 * | `PORT` | `8000` | listen port |
 * | `MAX_BODY_BYTES` | 20 MB | larger bodies get 413 |
 * | `MAX_PIXELS` | 4096×4096 | larger images get 422 `too_many_pixels` (from the header) |
 * | `MIN_SIDE` | 16 | images with a smaller side get 422 `too_small` |
 * | `MAX_BATCH` | 16 | most `image` parts in one batch request |
 * | `API_KEYS` | unset | comma-separated bearer keys; when set, `/v1/*` needs one |
 * | `REQUEST_BUDGET_MS` | 10000 | decode + inference budget per request (a batch shares one); past it 503 `timeout` (0: no budget) |
 * | `CORS_ORIGINS` | unset | comma-separated allowed origins (`https://lab.example`); unset: no CORS headers |
 * | `RATE_LIMIT_RPS` | unset | per key (or client IP) sustained requests/second on `/v1/*`; unset: no limit |
 * | `RATE_LIMIT_BURST` | ⌈RPS⌉ | bucket size: requests allowed at once before the rate applies |
 * | `FEEDBACK_DB` | `data/feedback.kv` | Deno KV file for the prediction audit trail and reviewer feedback (`:memory:`: not kept) |
 * | `BODY_TIMEOUT_MS` | 60000 | a request body must have arrived within this; past it 408 `request_timeout` (0: no limit) |
 * | `AUTH_FAILURE_LIMIT` | 10 | failed authentications per client (address) per window before 429 (0: no limit) |
 * | `AUTH_FAILURE_WINDOW_S` | 60 | the window, in seconds (one more attempt every window ÷ limit) |
 * | `SHUTDOWN_GRACE_MS` | 30000 | on SIGTERM, how long requests in flight may still finish (Deno entry) |
 * | `DECODE_WORKERS` | 1 | Deno entry: workers that decode and resize uploads off the request thread (0: on it) |
 * | `CELL_MODEL` | `model/cells-v1.int8.onnx` | the cell classifier of `/v1/cells` (its card beside it); missing: `/v1/cells` answers 503 `cells_unavailable` |
 * | `MAX_CELLS` | 32 | most cells `/v1/cells` classifies per image (the largest; `locator.capped` says when more were found) |
 * | `CELLS_MAX_PIXELS` | 2048×2048 | larger images get 422 `too_many_pixels` on `/v1/cells` (the locator holds ~20 bytes a pixel) |
 *
 * @module
 */
import { DEFAULT_MAX_CELLS, DEFAULT_MODEL } from "../../model/core/mod.ts";

/**
 * Path (relative to the project root) of the cell classifier `/v1/cells` loads when `CELL_MODEL`
 * is not set; its card is the same path with `.json`. The Workers build bundles it when it exists
 * (`functions/lib/workers/wrangler.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(loadConfig({}).cellModelPath, DEFAULT_CELL_MODEL);
 * ```
 */
export const DEFAULT_CELL_MODEL = "model/cells-v1.int8.onnx";

/** Everything the service can be configured with. */
export interface Config {
  /** Path of the ONNX model (its card is beside it). */
  modelPath: string;
  host: string;
  port: number;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** Largest accepted width×height of an image. */
  maxPixels: number;
  /** Smallest accepted width or height. */
  minSide: number;
  /** Most images in one batch request. */
  maxBatch: number;
  /** Accepted bearer keys; empty means no authentication. */
  apiKeys: string[];
  /** Decode + inference time budget per request in ms, a batch's images together (0: none). */
  requestBudgetMs: number;
  /** Origins allowed by CORS (exact `scheme://host[:port]`, or `*`); empty: no CORS headers. */
  corsOrigins: string[];
  /** Token bucket per key/client on `/v1/*`; `undefined`: no rate limit. */
  rateLimit: RateLimitConfig | undefined;
  /** Deno KV path of the audit trail and feedback store (Deno entry only). */
  feedbackDb: string;
  /** A request body must have arrived within this many ms of starting to read it (0: no limit). */
  bodyTimeoutMs: number;
  /** Token bucket of failed authentications per client address (`API_KEYS` set); `undefined`: no limit. */
  authFailures: RateLimitConfig | undefined;
  /** How long requests in flight may finish after a shutdown signal, in ms (Deno entry only). */
  shutdownGraceMs: number;
  /**
   * Decode workers (Deno entry only): uploads are decoded and resized off the request thread and a
   * decode past the budget is terminated; 0 decodes on the request thread. Each busy worker can
   * hold a `MAX_PIXELS` image's buffers (~350 MB for a 4096² 16-bit RGBA PNG), so more workers
   * decode more uploads at once for more memory.
   */
  decodeWorkers: number;
  /** Path of the cell classifier's ONNX model for `/v1/cells` (its card is beside it). */
  cellModelPath: string;
  /** Most cells `/v1/cells` classifies in one image (the largest are kept). */
  maxCells: number;
  /**
   * The pixel limit of `/v1/cells` (at most `maxPixels`): the locator works on the whole image at
   * full resolution (a float copy, a stain map, masks, labels: ~20 bytes a pixel), where
   * `/v1/predict` keeps only the small resized image; 2048² keeps it under ~90 MB, inside a
   * Worker's 128 MB.
   */
  cellsMaxPixels: number;
}

/** Token-bucket settings: `rps` tokens are added per second, up to `burst`. */
export interface RateLimitConfig {
  /** Sustained requests per second (may be fractional: 0.5 = one every 2 s). */
  rps: number;
  /** Most requests at once (the bucket's size, ≥ 1). */
  burst: number;
}

/** Defaults used for every variable that is not set. */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  modelPath: DEFAULT_MODEL,
  host: "0.0.0.0",
  port: 8000,
  maxBodyBytes: 20 * 1024 * 1024,
  maxPixels: 4096 * 4096,
  minSide: 16,
  maxBatch: 16,
  apiKeys: [],
  requestBudgetMs: 10_000,
  corsOrigins: [],
  rateLimit: undefined,
  feedbackDb: "data/feedback.kv",
  bodyTimeoutMs: 60_000,
  authFailures: Object.freeze({ rps: 10 / 60, burst: 10 }),
  shutdownGraceMs: 30_000,
  decodeWorkers: 1,
  cellModelPath: DEFAULT_CELL_MODEL,
  maxCells: DEFAULT_MAX_CELLS,
  cellsMaxPixels: 2048 * 2048,
});

/**
 * The highest `MAX_CELLS` accepted: each classified cell is one model run, so a few hundred
 * already take seconds; the locator numbers cells in 16 bits.
 */
export const MAX_CELLS_LIMIT = 1024;

/** A variable has a value the service cannot use; the message names it and what to set. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Builds a {@link Config} from environment variables; unset ones take {@link DEFAULT_CONFIG}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const config = loadConfig({ PORT: "9000", API_KEYS: "k1,k2" }); // the service: loadConfig(Deno.env.toObject())
 * assert.equal(config.port, 9000);
 * assert.deepEqual(config.apiKeys, ["k1", "k2"]);
 * assert.equal(config.modelPath, DEFAULT_CONFIG.modelPath);
 * assert.throws(() => loadConfig({ PORT: "port" }), ConfigError);
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const d = DEFAULT_CONFIG;
  const str = (name: string, fallback: string): string => {
    const v = env[name]?.trim();
    return v ? v : fallback;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer in [${min}, ${max}]; fix or unset it`);
    }
    return v;
  };
  return {
    modelPath: str("MODEL", d.modelPath),
    host: str("HOST", d.host),
    port: int("PORT", d.port, 0, 65535),
    maxBodyBytes: int("MAX_BODY_BYTES", d.maxBodyBytes, 1),
    maxPixels: int("MAX_PIXELS", d.maxPixels, 1),
    minSide: int("MIN_SIDE", d.minSide, 1),
    maxBatch: int("MAX_BATCH", d.maxBatch, 1, 1024),
    apiKeys: list(env.API_KEYS),
    requestBudgetMs: int("REQUEST_BUDGET_MS", d.requestBudgetMs, 0),
    corsOrigins: list(env.CORS_ORIGINS).map(checkOrigin),
    rateLimit: rateLimit(env),
    feedbackDb: str("FEEDBACK_DB", d.feedbackDb),
    bodyTimeoutMs: int("BODY_TIMEOUT_MS", d.bodyTimeoutMs, 0),
    authFailures: authFailures(int("AUTH_FAILURE_LIMIT", 10, 0, 1e6), int("AUTH_FAILURE_WINDOW_S", 60, 1, 86_400)),
    shutdownGraceMs: int("SHUTDOWN_GRACE_MS", d.shutdownGraceMs, 0),
    decodeWorkers: int("DECODE_WORKERS", d.decodeWorkers, 0, 64),
    cellModelPath: str("CELL_MODEL", d.cellModelPath),
    maxCells: int("MAX_CELLS", d.maxCells, 1, MAX_CELLS_LIMIT),
    cellsMaxPixels: int("CELLS_MAX_PIXELS", d.cellsMaxPixels, 1),
  };
}

function authFailures(limit: number, windowS: number): RateLimitConfig | undefined {
  return limit === 0 ? undefined : { rps: limit / windowS, burst: limit };
}

function list(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((k) => k.trim()).filter((k) => k !== "");
}

function checkOrigin(o: string): string {
  if (o === "*") return o;
  let origin: string | undefined;
  try {
    origin = new URL(o).origin;
  } catch { /* reported below */ }
  if (origin !== o.replace(/\/$/, "") || !/^https?:/.test(o)) {
    throw new ConfigError(
      `CORS_ORIGINS entry ${
        JSON.stringify(o)
      } is not an origin; write scheme://host[:port] (e.g. https://lab.example), comma-separated`,
    );
  }
  return origin;
}

function rateLimit(env: Record<string, string | undefined>): RateLimitConfig | undefined {
  const rpsRaw = env.RATE_LIMIT_RPS?.trim();
  const burstRaw = env.RATE_LIMIT_BURST?.trim();
  if (!rpsRaw) {
    if (burstRaw) throw new ConfigError("RATE_LIMIT_BURST is set but RATE_LIMIT_RPS is not; set both, or neither");
    return undefined;
  }
  const rps = Number(rpsRaw);
  if (!Number.isFinite(rps) || rps <= 0 || rps > 1e6) {
    throw new ConfigError(`RATE_LIMIT_RPS=${JSON.stringify(rpsRaw)} is not a number in (0, 1e6]; fix or unset it`);
  }
  const burst = burstRaw ? Number(burstRaw) : Math.max(1, Math.ceil(rps));
  if (!Number.isInteger(burst) || burst < 1 || burst > 1e6) {
    throw new ConfigError(
      `RATE_LIMIT_BURST=${JSON.stringify(burstRaw)} is not an integer in [1, 1e6]; fix or unset it`,
    );
  }
  return { rps, burst };
}
