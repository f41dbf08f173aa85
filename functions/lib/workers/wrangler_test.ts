import assert from "node:assert/strict";
import { wranglerConfig } from "./wrangler.ts";

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
