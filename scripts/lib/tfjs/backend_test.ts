import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { BACKEND_NAMES, isSoftwareAdapter, selectBackend } from "./backend.ts";

Deno.test("selectBackend: explicit cpu, auto picks an available one, missing ones throw with advice", async () => {
  assert.equal(await selectBackend("cpu"), "cpu");
  assert.equal(tf.getBackend(), "cpu");
  const logs: string[] = [];
  const picked = await selectBackend("auto", (m) => logs.push(m));
  assert.ok((BACKEND_NAMES as readonly string[]).includes(picked));
  assert.equal(tf.getBackend(), picked === "tfjs-node" || picked === "tfjs-node-gpu" ? "tensorflow" : picked);
  assert.match(logs[0], /tfjs backend: .* \(auto\)/);
  await assert.rejects(() => selectBackend("tfjs-node-gpu"), /not available here/);
  await tf.setBackend("cpu");
});

Deno.test("isSoftwareAdapter: CPU rasterisers are software, real GPUs are not", () => {
  assert.equal(
    isSoftwareAdapter({ vendor: "mesa", architecture: "software", description: "llvmpipe (LLVM 15.0.6)" }),
    true,
  );
  assert.equal(isSoftwareAdapter({ vendor: "google", description: "SwiftShader Device (Subzero)" }), true);
  assert.equal(isSoftwareAdapter({ vendor: "", architecture: "", isFallbackAdapter: true }), true);
  assert.equal(isSoftwareAdapter({ vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" }), false);
  assert.equal(isSoftwareAdapter({ vendor: "intel", architecture: "gen-12lp" }), false);
});
