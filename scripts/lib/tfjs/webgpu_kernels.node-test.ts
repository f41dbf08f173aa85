/**
 * The webgpu training kernels against tfjs's cpu gradients (Node: the `webgpu` package is a Node
 * addon). Runs where a WebGPU adapter exists (a GPU, or Mesa's lavapipe on a CPU); skipped
 * elsewhere, failed instead when REQUIRE_WEBGPU=1 (CI installs lavapipe and the package):
 *   node --import tsx --test scripts/lib/tfjs/webgpu_kernels.node-test.ts
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { adapterInfo, isSoftwareAdapter, probeGpuAdapter, selectBackend } from "./backend.ts";
import { CONV_GRAD_CASES, type ConvGradCase, LAYER_SIZED_CASES } from "../../../tests/helpers/conv_grad_cases.ts";
import { skipInputGradient } from "./input_grad_skip.ts";
import { splitCount } from "./webgpu_kernels.ts";

type Case = ConvGradCase;
const CASES = [...CONV_GRAD_CASES, ...LAYER_SIZED_CASES];

/** Inputs and the cpu backend's gradients of sum(conv(x, w) * up). */
async function reference(c: Case) {
  await tf.setBackend("cpu");
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 1, "float32", 2) as tf.Tensor4D;
  const up = tf.randomNormal(tf.conv2d(x, w, c.s, c.pad).shape, 0, 1, "float32", 3) as tf.Tensor4D;
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), up))
  )([x, w]);
  return { x: await x.array(), w: await w.array(), up: await up.array(), dx: await dx.data(), dw: await dw.data() };
}

function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(got.length, ref.length);
  let m = 0, scale = 1;
  for (let i = 0; i < ref.length; i++) {
    m = Math.max(m, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return m / scale;
}

/** Activates webgpu, or says why it cannot (null: active). */
async function webgpuOrReason(): Promise<string | null> {
  try {
    await selectBackend("webgpu");
    return null;
  } catch (err) {
    if (process.env.REQUIRE_WEBGPU === "1") throw err;
    return (err as Error).message;
  }
}

test("splitCount: enough threads for small filters, at least 64 terms per thread, at least one chunk", () => {
  assert.equal(splitCount(3 * 3 * 3 * 16, 64 * 48 * 48), Math.ceil((1 << 19) / 432));
  assert.equal(splitCount(3 * 3 * 128 * 128, 64 * 6 * 6), 4); // capped by the thread target
  assert.equal(splitCount(432, 100), 1); // too few terms to split
  assert.equal(splitCount(432, 640), 10); // capped by the 64-term minimum
  assert.equal(splitCount(1 << 22, 1 << 20), 1);
});

test("webgpu conv gradients match the cpu backend for every filter-gradient variant", async (t) => {
  const refs = [];
  for (const c of CASES) refs.push(await reference(c));
  const why = await webgpuOrReason();
  if (why) return t.skip(`no webgpu here: ${why}`);
  try {
    for (const variant of ["split", "conv", "stock"]) {
      process.env.TFJS_WEBGPU_FILTER_GRAD = variant;
      for (const [i, c] of CASES.entries()) {
        const x = tf.tensor4d(refs[i].x), w = tf.tensor4d(refs[i].w), up = tf.tensor4d(refs[i].up);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), up))
        )([x, w]);
        assert.deepEqual(dw.shape, c.w);
        assert.ok(relErr(await dw.data(), refs[i].dw) < 1e-5, `${variant} dW ${JSON.stringify(c)}`);
        assert.ok(relErr(await dx.data(), refs[i].dx) < 1e-5, `dx ${JSON.stringify(c)}`);
        tf.dispose([x, w, up, dx, dw]);
      }
    }
  } finally {
    delete process.env.TFJS_WEBGPU_FILTER_GRAD;
    await tf.setBackend("cpu");
  }
});

test("webgpu: skipInputGradient zeros only the declared channel count", async (t) => {
  const why = await webgpuOrReason();
  if (why) return t.skip(`no webgpu here: ${why}`);
  const maxAbs = async (ci: number) => {
    const w = tf.randomNormal([3, 3, ci, 4], 0, 1, "float32", 1) as tf.Tensor4D;
    const dy = tf.randomNormal([1, 4, 4, 4], 0, 1, "float32", 2) as tf.Tensor4D;
    return (await tf.max(tf.abs(tf.conv2dTranspose(dy, w, [1, 8, 8, ci], 2, "same"))).data())[0];
  };
  try {
    skipInputGradient(3);
    assert.equal(await maxAbs(3), 0);
    assert.ok((await maxAbs(5)) > 0);
    skipInputGradient(null);
    assert.ok((await maxAbs(3)) > 0);
  } finally {
    skipInputGradient(null);
    await tf.setBackend("cpu");
  }
});

test("auto picks webgpu on a GPU and skips a CPU-only (software) adapter", async (t) => {
  const why = await webgpuOrReason();
  if (why) return t.skip(`no webgpu here: ${why}`);
  // deno-lint-ignore no-explicit-any
  const adapter = await (globalThis as any).navigator.gpu.requestAdapter();
  const software = isSoftwareAdapter(adapterInfo(adapter));
  try {
    const picked = await selectBackend("auto");
    if (software) assert.notEqual(picked, "webgpu", `auto chose a software adapter (${adapter.info.description})`);
    else assert.ok(picked === "webgpu" || picked.startsWith("tfjs-node"), `auto chose ${picked} over a GPU`);
  } finally {
    await tf.setBackend("cpu");
  }
});

test("probeGpuAdapter: sees the adapter from another thread; reports a GPU, not a CPU rasteriser", async (t) => {
  const any = await probeGpuAdapter({ allowSoftware: true });
  if (!any) {
    if (process.env.REQUIRE_WEBGPU === "1") assert.fail("no WebGPU adapter found by the probe");
    return t.skip("no WebGPU adapter here");
  }
  assert.equal(typeof any.vendor, "string");
  const gpu = await probeGpuAdapter();
  if (isSoftwareAdapter(any)) assert.equal(gpu, null);
  else assert.deepEqual(gpu, any);
});
