import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { conv2dFilterGrad, conv2dInputGrad } from "./wasm_kernels.ts";
import { skipInputGradient } from "./input_grad_skip.ts";
import { onWasm } from "../../../tests/helpers/on_wasm.ts";
import { CONV_GRAD_CASES, type ConvGradCase } from "../../../tests/helpers/conv_grad_cases.ts";
import { loadSimdConvGrad } from "./simd_conv_grad.ts";

type Case = ConvGradCase;
const CASES = CONV_GRAD_CASES;

/** Reference gradients of sum((conv(x, w) * up)) from tfjs's own kernels. */
function reference(c: Case): { dx: number[]; dw: number[]; x: tf.Tensor4D; w: tf.Tensor4D; up: tf.Tensor4D } {
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 1, "float32", 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.s, c.pad);
  const up = tf.randomNormal(y.shape, 0, 1, "float32", 3) as tf.Tensor4D;
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), up))
  )([x, w]);
  return { dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync()), x, w, up };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

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

Deno.test("the SIMD gradient kernels load and match the cpu backend (all cases)", async () => {
  const kernel = loadSimdConvGrad();
  assert.ok(kernel, "scripts/lib/tfjs/simd/conv_grad.wasm did not load; rebuild it with simd/build.sh");
  await tf.setBackend("cpu");
  for (const c of CASES) {
    const r = reference(c);
    const info = tf.backend_util.computeConv2DInfo(c.x, c.w, c.s, 1, c.pad);
    const shape = {
      x: c.x,
      dy: r.up.shape,
      kh: c.w[0],
      kw: c.w[1],
      strideH: info.strideHeight,
      strideW: info.strideWidth,
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
    };
    const dw = new Float32Array(r.dw.length), dx = new Float32Array(r.dx.length);
    kernel.filterGrad(r.x.dataSync() as Float32Array, r.up.dataSync() as Float32Array, shape, dw);
    kernel.inputGrad(r.up.dataSync() as Float32Array, r.w.dataSync() as Float32Array, shape, dx);
    const scale = Math.max(1, ...r.dw.map(Math.abs));
    assert.equal(dw.length, r.dw.length);
    assert.equal(dx.length, r.dx.length);
    assert.ok(maxAbsDiff(dw, r.dw) / scale < 1e-5, `simd dW ${JSON.stringify(c)}`);
    assert.ok(maxAbsDiff(dx, r.dx) / scale < 1e-5, `simd dx ${JSON.stringify(c)}`);
  }
  const one = {
    x: [1, 2, 2, 2],
    dy: [1, 1, 1, 4],
    kh: 1,
    kw: 1,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
  } as const;
  assert.throws(
    () => kernel.filterGrad(new Float32Array(10), new Float32Array(4), one, new Float32Array(8)),
    /x has 10 values/,
  );
  assert.throws(
    () => kernel.inputGrad(new Float32Array(4), new Float32Array(3), one, new Float32Array(8)),
    /filter has 3 values/,
  );
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
