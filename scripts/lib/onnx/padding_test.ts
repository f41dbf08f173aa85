import assert from "node:assert/strict";
import { axisPadding, padding2d } from "./padding.ts";

Deno.test("same padding: ceil(in/stride) outputs, odd extra pad goes after (TensorFlow rule)", () => {
  assert.deepEqual(axisPadding(7, 3, 2, 1, "same"), { out: 4, before: 1, after: 1 });
  assert.deepEqual(axisPadding(8, 3, 2, 1, "same"), { out: 4, before: 0, after: 1 });
  assert.deepEqual(axisPadding(33, 3, 2, 1, "same"), { out: 17, before: 1, after: 1 });
  assert.deepEqual(axisPadding(32, 2, 2, 1, "same"), { out: 16, before: 0, after: 0 });
  assert.deepEqual(axisPadding(5, 3, 1, 2, "same"), { out: 5, before: 2, after: 2 });
  assert.deepEqual(axisPadding(6, 4, 1, 1, "same"), { out: 6, before: 1, after: 2 });
});

Deno.test("valid padding: no pads, floor((in - k) / s) + 1 outputs; too-small inputs are refused", () => {
  assert.deepEqual(axisPadding(32, 3, 1, 1, "valid"), { out: 30, before: 0, after: 0 });
  assert.deepEqual(axisPadding(9, 3, 2, 1, "valid"), { out: 4, before: 0, after: 0 });
  assert.throws(() => axisPadding(2, 3, 1, 1, "valid"), /smaller than the kernel/);
});

Deno.test("padding2d orders pads as ONNX [top, left, bottom, right]", () => {
  assert.deepEqual(padding2d([8, 7], [3, 3], [2, 2], [1, 1], "same"), { pads: [0, 1, 1, 1], outH: 4, outW: 4 });
});
