/**
 * Test helper: run a block on tfjs's wasm backend (with our kernels registered) and return to the
 * cpu backend afterwards.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../scripts/lib/tfjs/backend.ts";

/**
 * Runs `fn` on the wasm backend, then switches back to cpu (also when `fn` throws). Where wasm
 * cannot start here, records an ignored step saying why and skips `fn`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * Deno.test("runs on wasm, then back on cpu", async (t) => {
 *   await onWasm(t, () => assert.equal(tf.getBackend(), "wasm"));
 *   assert.equal(tf.getBackend(), "cpu");
 * });
 * ```
 */
export async function onWasm(t: Deno.TestContext, fn: () => void | Promise<void>): Promise<void> {
  try {
    await selectBackend("wasm");
  } catch (err) {
    await t.step({ name: `wasm unavailable here: ${(err as Error).message}`, ignore: true, fn: () => {} });
    return;
  }
  try {
    await fn();
  } finally {
    await tf.setBackend("cpu");
  }
}
