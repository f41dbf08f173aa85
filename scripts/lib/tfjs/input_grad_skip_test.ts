import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { skipInputGradient } from "./input_grad_skip.ts";
import { onWasm } from "../../../tests/helpers/on_wasm.ts";

Deno.test("skipInputGradient: zeros only for the declared channel count, and can be turned off", async (t) => {
  await onWasm(t, () => {
    try {
      const w3 = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 1) as tf.Tensor4D;
      const dy = tf.randomNormal([1, 4, 4, 4], 0, 1, "float32", 2) as tf.Tensor4D;
      skipInputGradient(3);
      assert.equal(tf.max(tf.abs(tf.conv2dTranspose(dy, w3, [1, 8, 8, 3], 2, "same"))).dataSync()[0], 0);
      const w5 = tf.randomNormal([3, 3, 5, 4], 0, 1, "float32", 1) as tf.Tensor4D;
      assert.ok(tf.max(tf.abs(tf.conv2dTranspose(dy, w5, [1, 8, 8, 5], 2, "same"))).dataSync()[0] > 0);
      skipInputGradient(null);
      assert.ok(tf.max(tf.abs(tf.conv2dTranspose(dy, w3, [1, 8, 8, 3], 2, "same"))).dataSync()[0] > 0);
    } finally {
      skipInputGradient(null);
    }
  });
});
