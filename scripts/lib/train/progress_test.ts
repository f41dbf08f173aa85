import assert from "node:assert/strict";
import { formatDuration, progressLine } from "./progress.ts";

Deno.test("progress formatting", () => {
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(3720), "1h02m");
  assert.ok(progressLine("epoch 1/2", 5, 10, 10, "loss 1").includes("5/10 ETA 10s loss 1"));
});
