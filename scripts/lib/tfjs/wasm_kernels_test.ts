import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { conv2dFilterGrad, conv2dInputGrad } from "./wasm_kernels.ts";
import { onWasm } from "../../../tests/helpers/on_wasm.ts";
import { CONV_GRAD_CASES } from "../../../tests/helpers/conv_grad_cases.ts";
import { reference } from "../../../tests/helpers/conv_grad_reference.ts";
import { maxAbsDiff } from "../../../tests/helpers/diff.ts";

const CASES = CONV_GRAD_CASES;

Deno.test("conv2dFilterGrad / conv2dInputGrad match tfjs cpu gradients (all cases)", async () => {
  await tf.setBackend("cpu");
  for (const c of CASES) {
    const r = reference(c);
    const dw = conv2dFilterGrad(r.x, r.up, c.w, c.s, c.pad);
    const dx = conv2dInputGrad(c.x, r.up, r.w, c.s, c.pad);
    assert.deepEqual(dw.shape, c.w);
    assert.deepEqual(dx.shape, c.x);
    assert.ok(maxAbsDiff(dw.dataSync(), r.dw) < 1e-3, `dW ${JSON.stringify(c)}`);
    assert.ok(maxAbsDiff(dx.dataSync(), r.dx) < 1e-3, `dx ${JSON.stringify(c)}`);
  }
});

Deno.test("wasm backend with registered kernels gives the cpu backend's conv gradients", async (t) => {
  await tf.setBackend("cpu");
  const refs = CASES.map((c) => {
    const r = reference(c);
    return { dx: r.dx, dw: r.dw };
  });
  await onWasm(t, () => {
    CASES.forEach((c, i) => {
      const r = reference(c); // same seeds → same tensors on wasm
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r.up))
      )([r.x, r.w]);
      const scale = Math.max(1, ...refs[i].dw.map(Math.abs));
      assert.ok(maxAbsDiff(dw.dataSync(), refs[i].dw) / scale < 1e-5, `wasm dW ${JSON.stringify(c)}`);
      assert.ok(maxAbsDiff(dx.dataSync(), refs[i].dx) / scale < 1e-5, `wasm dx ${JSON.stringify(c)}`);
    });
  });
});
