// The one ONNX session module: both backends, the int8-on-native rule, fetches, serialised runs.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pkg from "onnx-proto";
import { createSession, isQdqModel, type OnnxTensor, runModel } from "./session.ts";

const onnx: typeof pkg.onnx = ((pkg as unknown as { default?: typeof pkg }).default ?? pkg).onnx;
const fixture = (name: string) =>
  readFile(new URL(`../../../tests/fixtures/models/${name}`, import.meta.url)).then((b) => new Uint8Array(b));
const INT8 = await fixture("tiny.int8.onnx");
const FLOAT = await fixture("tiny.float.onnx");
const S = 32;
const OUTPUTS = ["logit", "subtype_logits", "cam"];

/** `n` varied images (not constant, so that outputs differ between images). */
function images(n: number, phase = 0): OnnxTensor {
  return { dims: [n, 3, S, S], data: new Float32Array(n * 3 * S * S).map((_, i) => Math.sin(i * 0.37 + phase) * 1.5) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Op types of an ONNX model. */
function opTypes(bytes: Uint8Array): string[] {
  return onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);
}

Deno.test("isQdqModel tells an int8 QDQ export from a float one", () => {
  assert.equal(isQdqModel(INT8), true);
  assert.equal(isQdqModel(FLOAT), false);
  assert.equal(isQdqModel(new Uint8Array()), false);
});

Deno.test("web and node give the same outputs on the tiny int8 fixture (node at basic)", async () => {
  const x = images(4);
  const web = await createSession(INT8);
  const node = await createSession(INT8, { backend: "node", optimization: "basic" });
  try {
    assert.equal(web.backend, "web");
    assert.equal(node.backend, "node");
    assert.deepEqual(web.inputNames, ["image"]);
    assert.deepEqual(node.inputNames, ["image"]);
    assert.deepEqual(web.outputNames, OUTPUTS);
    assert.deepEqual(node.outputNames, OUTPUTS);
    const a = await web.run({ image: x });
    const b = await node.run({ image: x });
    for (const k of OUTPUTS) {
      assert.deepEqual(a[k].dims, b[k].dims, k);
      assert.ok(maxAbsDiff(a[k].data, b[k].data) < 1e-4, `${k}: web vs node ${maxAbsDiff(a[k].data, b[k].data)}`);
    }
    assert.deepEqual(a.logit.dims, [4, 1]);
    assert.deepEqual(a.cam.dims, [4, 1, 8, 8]);
    // the images get different logits, so the comparison is not trivially passing
    assert.ok(Math.max(...a.logit.data) - Math.min(...a.logit.data) > 1e-3, `${a.logit.data}`);
  } finally {
    await web.close();
    await node.close();
  }
});

Deno.test("the int8-on-native rule: node refuses extended/all for a QDQ model unless fusion is allowed", async () => {
  for (const optimization of ["extended", "all"] as const) {
    await assert.rejects(
      createSession(INT8, { backend: "node", optimization }),
      (e: unknown) =>
        e instanceof RangeError && e.message.includes(`"${optimization}"`) && /use "basic"/.test(e.message) &&
        /"web" backend/.test(e.message),
    );
  }
  const fused = await createSession(INT8, { backend: "node", optimization: "all", allowNativeInt8Fusion: true });
  const out = await fused.run({ image: images(2) }, ["logit"]);
  assert.deepEqual(out.logit.dims, [2, 1]);
  assert.ok(out.logit.data.every(Number.isFinite));
  await fused.close();
  // not a QDQ model, or not native: no refusal
  await (await createSession(FLOAT, { backend: "node", optimization: "all" })).close();
  await (await createSession(INT8, { backend: "web", optimization: "all" })).close();
});

Deno.test("node defaults to basic (QDQ kept) and writes the optimised graph where asked", async () => {
  const dir = await mkdtemp(join(tmpdir(), "onnx-session-"));
  try {
    const basic = join(dir, "basic.onnx");
    await (await createSession(INT8, { backend: "node", optimizedModelPath: basic })).close();
    const basicOps = opTypes(new Uint8Array(await readFile(basic)));
    assert.ok(basicOps.includes("DequantizeLinear"), `${basicOps}`);
    assert.ok(!basicOps.includes("QLinearConv"), `${basicOps}`);

    const all = join(dir, "all.onnx");
    await (await createSession(INT8, {
      backend: "node",
      optimization: "all",
      allowNativeInt8Fusion: true,
      optimizedModelPath: all,
    })).close();
    const allOps = opTypes(new Uint8Array(await readFile(all)));
    assert.ok(allOps.includes("QLinearConv"), `fused int8 convolutions expected: ${allOps}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("run: fetches pick outputs, the default is every output, results outlive later runs", async () => {
  for (const backend of ["web", "node"] as const) {
    const session = await createSession(INT8, { backend });
    try {
      const all = await session.run({ image: images(1) });
      assert.deepEqual(Object.keys(all).sort(), [...OUTPUTS].sort(), backend);
      const some = await session.run({ image: images(1) }, ["logit"]);
      assert.deepEqual(Object.keys(some), ["logit"], backend);
      assert.equal(some.logit.data[0], all.logit.data[0], backend);
      assert.ok(some.logit.data instanceof Float32Array);
      // a later run does not overwrite an earlier result (outputs are copied out of ort's buffers)
      const before = all.logit.data[0];
      await session.run({ image: images(1, 2) });
      assert.equal(all.logit.data[0], before, backend);
      await assert.rejects(session.run({ image: images(1) }, ["nope"]), backend);
    } finally {
      await session.close();
    }
  }
});

Deno.test("run: concurrent calls are serialised and each gets its own answer; close waits for them", async () => {
  const session = await createSession(INT8);
  const inputs = [0, 1, 2, 3, 4].map((p) => images(1, p));
  const one = [];
  for (const x of inputs) one.push((await session.run({ image: x }, ["logit"])).logit.data[0]);
  const together = Promise.all(inputs.map((x) => session.run({ image: x }, ["logit"])));
  await session.close(); // waits for the five runs above
  assert.deepEqual((await together).map((o) => o.logit.data[0]), one);
  assert.ok(new Set(one).size > 1, `${one}`);
});

Deno.test("run: a second call starts only after the first one has finished", async () => {
  for (const backend of ["web", "node"] as const) {
    const session = await createSession(INT8, { backend });
    const events: string[] = [];
    const x = images(1);
    const first = session.run({ image: x }).then(() => events.push("first done"));
    // the session reads the second call's feeds when it starts that run
    const second = session.run({
      get image() {
        events.push("second started");
        return x;
      },
    });
    await Promise.all([first, second]);
    await session.close();
    assert.deepEqual(events, ["first done", "second started"], backend);
  }
});

Deno.test("runModel opens, runs once and closes; same answer as a session", async () => {
  const x = images(2);
  const out = await runModel(FLOAT, { image: x });
  assert.deepEqual(out.logit.dims, [2, 1]);
  const session = await createSession(FLOAT);
  const ref = await session.run({ image: x });
  await session.close();
  for (const k of OUTPUTS) assert.deepEqual(out[k].data, ref[k].data, k);
  const some = await runModel(INT8, { image: x }, { backend: "node", fetches: ["cam"] });
  assert.deepEqual(Object.keys(some), ["cam"]);
  assert.deepEqual(some.cam.dims, [2, 1, 8, 8]);
});
