import assert from "node:assert/strict";
import { deployWorkers, wranglerConfig } from "./wrangler.ts";

Deno.test("wranglerConfig forwards the service's configuration variables, and nothing else, as vars", () => {
  const cfg = wranglerConfig("functions/worker.ts", {
    MAX_BATCH: "4",
    RATE_LIMIT_RPS: "5",
    RATE_LIMIT_BURST: "10",
    CORS_ORIGINS: "https://lab.example",
    REQUEST_BUDGET_MS: "2000",
    HOME: "/root",
    PATH: "/usr/bin",
  });
  assert.deepEqual(cfg.vars, {
    MAX_BATCH: "4",
    RATE_LIMIT_RPS: "5",
    RATE_LIMIT_BURST: "10",
    CORS_ORIGINS: "https://lab.example",
    REQUEST_BUDGET_MS: "2000",
  });
});

Deno.test("deployWorkers: a missing model is refused before wrangler runs, saying what to set", async () => {
  await assert.rejects(
    () => deployWorkers({ modelPath: "model/missing.int8.onnx", vars: {}, args: ["--dry-run"], output: "piped" }),
    /model\/missing\.int8\.onnx does not exist; set MODEL to an exported \.onnx/,
  );
});
