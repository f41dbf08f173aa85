import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { loadSimdConvGrad } from "./simd_conv_grad.ts";
import { CONV_GRAD_CASES } from "../../../tests/helpers/conv_grad_cases.ts";
import { reference } from "../../../tests/helpers/conv_grad_reference.ts";
import { maxAbsDiff } from "../../../tests/helpers/diff.ts";

const CASES = CONV_GRAD_CASES;

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
