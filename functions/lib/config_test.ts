import assert from "node:assert/strict";
import { ConfigError, DEFAULT_CONFIG, loadConfig } from "./config.ts";

Deno.test("loadConfig: empty env gives the documented defaults", () => {
  const c = loadConfig({});
  assert.deepEqual(c, { ...DEFAULT_CONFIG });
  assert.equal(c.port, 8000);
  assert.equal(c.maxBodyBytes, 20 * 1024 * 1024);
  assert.equal(c.maxPixels, 4096 * 4096);
  assert.equal(c.maxBatch, 16);
  assert.equal(c.modelPath, "model/all-v6.1.int8.onnx");
});

Deno.test("loadConfig: reads every variable", () => {
  const c = loadConfig({
    MODEL: "m/x.onnx",
    HOST: "127.0.0.1",
    PORT: "0",
    MAX_BODY_BYTES: "1000",
    MAX_PIXELS: "400",
    MIN_SIDE: "4",
    MAX_BATCH: "2",
    API_KEYS: " a , b,,",
    REQUEST_BUDGET_MS: "2500",
    CORS_ORIGINS: "https://lab.example, http://localhost:5173/",
    RATE_LIMIT_RPS: "2.5",
    RATE_LIMIT_BURST: "10",
    FEEDBACK_DB: "/tmp/f.kv",
    BODY_TIMEOUT_MS: "5000",
    AUTH_FAILURE_LIMIT: "5",
    AUTH_FAILURE_WINDOW_S: "10",
    SHUTDOWN_GRACE_MS: "1000",
    DECODE_WORKERS: "0",
    CELL_MODEL: "m/cells.onnx",
    MAX_CELLS: "5",
    CELLS_MAX_PIXELS: "300",
  });
  assert.deepEqual(c, {
    modelPath: "m/x.onnx",
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 1000,
    maxPixels: 400,
    minSide: 4,
    maxBatch: 2,
    apiKeys: ["a", "b"],
    requestBudgetMs: 2500,
    corsOrigins: ["https://lab.example", "http://localhost:5173"],
    rateLimit: { rps: 2.5, burst: 10 },
    feedbackDb: "/tmp/f.kv",
    bodyTimeoutMs: 5000,
    authFailures: { rps: 0.5, burst: 5 },
    shutdownGraceMs: 1000,
    decodeWorkers: 0,
    cellModelPath: "m/cells.onnx",
    maxCells: 5,
    cellsMaxPixels: 300,
  });
});

Deno.test("loadConfig: rate limit burst defaults to ⌈rps⌉; budget 0 turns it off", () => {
  assert.deepEqual(loadConfig({ RATE_LIMIT_RPS: "0.5" }).rateLimit, { rps: 0.5, burst: 1 });
  assert.deepEqual(loadConfig({ RATE_LIMIT_RPS: "7.2" }).rateLimit, { rps: 7.2, burst: 8 });
  assert.equal(loadConfig({}).rateLimit, undefined);
  assert.equal(loadConfig({ REQUEST_BUDGET_MS: "0" }).requestBudgetMs, 0);
});

Deno.test("loadConfig: failed authentications limited by default (10 a minute); 0 turns limits off", () => {
  assert.deepEqual(loadConfig({}).authFailures, { rps: 10 / 60, burst: 10 });
  assert.equal(loadConfig({ AUTH_FAILURE_LIMIT: "0" }).authFailures, undefined);
  assert.equal(loadConfig({ BODY_TIMEOUT_MS: "0" }).bodyTimeoutMs, 0);
  assert.throws(() => loadConfig({ AUTH_FAILURE_WINDOW_S: "0" }), /AUTH_FAILURE_WINDOW_S/);
  assert.throws(() => loadConfig({ BODY_TIMEOUT_MS: "-1" }), /BODY_TIMEOUT_MS/);
});

Deno.test("loadConfig: bad CORS origins and rate limits name the variable", () => {
  assert.throws(() => loadConfig({ CORS_ORIGINS: "lab.example" }), /CORS_ORIGINS/);
  assert.throws(() => loadConfig({ CORS_ORIGINS: "https://lab.example/path" }), /CORS_ORIGINS/);
  assert.throws(() => loadConfig({ RATE_LIMIT_RPS: "-1" }), /RATE_LIMIT_RPS/);
  assert.throws(() => loadConfig({ RATE_LIMIT_RPS: "1", RATE_LIMIT_BURST: "1.5" }), /RATE_LIMIT_BURST/);
  assert.throws(() => loadConfig({ RATE_LIMIT_BURST: "4" }), /RATE_LIMIT_RPS/);
});

Deno.test("loadConfig: a bad number names the variable", () => {
  assert.throws(() => loadConfig({ PORT: "http" }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ MAX_BATCH: "0" }), /MAX_BATCH/);
  assert.throws(() => loadConfig({ MAX_CELLS: "0" }), /MAX_CELLS="0" is not an integer in \[1, 1024\]/);
  assert.throws(() => loadConfig({ MAX_CELLS: "1025" }), /MAX_CELLS/);
  assert.equal(loadConfig({ MAX_CELLS: "1024" }).maxCells, 1024);
});

Deno.test("loadConfig: DECODE_WORKERS is a count from 0 (decode on the request thread) to 64", () => {
  assert.equal(loadConfig({}).decodeWorkers, DEFAULT_CONFIG.decodeWorkers);
  assert.equal(loadConfig({ DECODE_WORKERS: "4" }).decodeWorkers, 4);
  assert.throws(() => loadConfig({ DECODE_WORKERS: "-1" }), /DECODE_WORKERS/);
  assert.throws(() => loadConfig({ DECODE_WORKERS: "two" }), /DECODE_WORKERS/);
  assert.throws(() => loadConfig({ DECODE_WORKERS: "65" }), /DECODE_WORKERS/);
});
