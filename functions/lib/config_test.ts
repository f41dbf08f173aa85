import assert from "node:assert/strict";
import { ConfigError, DEFAULT_CONFIG, loadConfig } from "./config.ts";

Deno.test("loadConfig: empty env gives the documented defaults", () => {
  const c = loadConfig({});
  assert.deepEqual(c, { ...DEFAULT_CONFIG });
  assert.equal(c.port, 8000);
  assert.equal(c.maxBodyBytes, 20 * 1024 * 1024);
  assert.equal(c.maxPixels, 4096 * 4096);
  assert.equal(c.maxBatch, 16);
  assert.equal(c.modelPath, "model/all-v1.int8.onnx");
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
  });
});

Deno.test("loadConfig: a bad number names the variable", () => {
  assert.throws(() => loadConfig({ PORT: "http" }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ MAX_BATCH: "0" }), /MAX_BATCH/);
});
