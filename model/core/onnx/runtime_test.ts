// A model and its card behind run/score: card checks, batching, both backends, errors that say what to do.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pkg from "onnx-proto";
import { cardPathFor } from "../card/default.ts";
import { ModelCardError, parseModelCard } from "../card/card.ts";
import { createModelRuntime, loadModelFile } from "./runtime.ts";
import { createSession } from "./session.ts";

const onnx: typeof pkg.onnx = ((pkg as unknown as { default?: typeof pkg }).default ?? pkg).onnx;
const TINY = new URL("../../../tests/fixtures/models/tiny.int8.onnx", import.meta.url).pathname;
const BACKENDS = ["web", "node"] as const;
const S = 8;

/**
 * A 3-op model: global average pool → flatten → Gemm(W=[1,-2,0.5], b=0.25) → "logit" [N,1].
 * `batchCoupled` adds the mean of the whole batch to every logit, so the logits show how
 * images were grouped into `session.run` calls.
 */
function meanColourModel(batchCoupled = false): Uint8Array {
  const vi = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: "mean_colour",
    node: [
      onnx.NodeProto.create({ opType: "GlobalAveragePool", input: ["x"], output: ["gap"] }),
      onnx.NodeProto.create({ opType: "Flatten", input: ["gap"], output: ["flat"] }),
      onnx.NodeProto.create({
        opType: "Gemm",
        input: ["flat", "W", "B"],
        output: [batchCoupled ? "linear" : "logit"],
        attribute: [onnx.AttributeProto.create({ name: "transB", i: 1, type: 2 })],
      }),
      ...(batchCoupled
        ? [
          onnx.NodeProto.create({
            opType: "ReduceMean",
            input: ["x"],
            output: ["batchMean"],
            attribute: [onnx.AttributeProto.create({ name: "keepdims", i: 0, type: 2 })],
          }),
          onnx.NodeProto.create({ opType: "Add", input: ["linear", "batchMean"], output: ["logit"] }),
        ]
        : []),
    ],
    initializer: [
      onnx.TensorProto.create({ name: "W", dims: [1, 3], dataType: 1, floatData: [1, -2, 0.5] }),
      onnx.TensorProto.create({ name: "B", dims: [1], dataType: 1, floatData: [0.25] }),
    ],
    input: [vi("x", ["N", 3, S, S])],
    output: [vi("logit", ["N", 1])],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph });
  return onnx.ModelProto.encode(model).finish();
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const card = (io: Record<string, string>, sha = "") => ({
  id: "mean-colour",
  version: "test",
  sha256: sha,
  created: "",
  file: "m.onnx",
  precision: "float32",
  opset: 17,
  architecture: "gap-linear",
  io,
  labels: ["normal", "all"],
  positiveLabel: "all",
  temperature: 1,
  threshold: 0.5,
  reviewBand: [0.4, 0.6],
  preprocess: {
    size: S,
    crop: "none",
    resize: "area",
    normalization: { mode: "per-image", minStd: 0.01 },
    channelOrder: "RGB",
    alphaBackground: 0,
  },
});

/** `n` varied NCHW images of `size` px (not constant, so that logits differ between images). */
const images = (n: number, size: number) =>
  new Float32Array(n * 3 * size * size).map((_, i) => Math.sin(i * 0.37) * 1.5);

/** Index of the first element where `a` and `b` differ by more than `tol`, or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, tol = 0): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol)) return i;
  return -1;
}

Deno.test("cardPathFor puts the card beside the model", () => {
  assert.equal(cardPathFor("model/all-v1.int8.onnx"), "model/all-v1.int8.json");
  assert.throws(() => cardPathFor("model/x.bin"), /must end in \.onnx/);
});

Deno.test("loadModelFile reads the card and score returns the logit per image, on both backends", async () => {
  const dir = await mkdtemp(join(tmpdir(), "onnx-runtime-"));
  try {
    const bytes = meanColourModel();
    await writeFile(join(dir, "m.onnx"), bytes);
    await writeFile(join(dir, "m.json"), JSON.stringify(card({ input: "x", logit: "logit" }, sha256(bytes))));
    for (const backend of BACKENDS) {
      const runtime = await loadModelFile(join(dir, "m.onnx"), { backend });
      assert.equal(runtime.card.id, "mean-colour");
      assert.equal(runtime.backend, backend);
      const per = 3 * S * S;
      const batch = new Float32Array(2 * per);
      batch.fill(1, 0, S * S); // image 0: R = 1, G = B = 0 → logit 1 + 0.25
      batch.fill(1, per + S * S, per + 2 * S * S); // image 1: G = 1 → logit -2 + 0.25
      const { logits, subtypeLogits } = await runtime.score(batch, 2);
      assert.deepEqual(Array.from(logits), [1.25, -1.75], backend);
      assert.equal(subtypeLogits, undefined);
      assert.equal((await runtime.run(batch.subarray(per))).logit, -1.75, backend);
      await assert.rejects(() => runtime.score(new Float32Array(per), 2), /cannot hold 2 images/);
      await assert.rejects(() => runtime.score(batch, 0), RangeError);
      await assert.rejects(() => runtime.run(batch), /needs 3×8×8/);
      await runtime.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("a card that does not fit the graph or the bytes is refused with the tensor and what to do", async () => {
  const dir = await mkdtemp(join(tmpdir(), "onnx-runtime-"));
  const model = join(dir, "m.onnx");
  try {
    const bytes = meanColourModel();
    await writeFile(model, bytes);
    const mismatches: [Record<string, string>, string][] = [
      [{ input: "x", logit: "nope" }, "nope"],
      [{ input: "pixels", logit: "logit" }, "pixels"],
    ];
    for (const [io, name] of mismatches) {
      await writeFile(join(dir, "m.json"), JSON.stringify(card(io, sha256(bytes))));
      for (const backend of BACKENDS) {
        await assert.rejects(
          () => loadModelFile(model, { backend }),
          (e: unknown) =>
            e instanceof ModelCardError && e.message.includes(name) &&
            e.message.includes("graph has inputs [x] and outputs [logit]") && /re-export/.test(e.message),
        );
      }
    }
    const withCam = parseModelCard(card({ input: "x", logit: "logit", cam: "heat" }));
    await assert.rejects(() => createModelRuntime(withCam, bytes), /\(heat\)/);

    await writeFile(join(dir, "m.json"), JSON.stringify(card({ input: "x", logit: "logit" }, "ab".repeat(32))));
    await assert.rejects(
      () => loadModelFile(model),
      (e: unknown) =>
        e instanceof ModelCardError && /sha256 .* does not match/.test(e.message) && /re-export/.test(e.message),
    );
    await writeFile(join(dir, "m.json"), "{ not json");
    await assert.rejects(() => loadModelFile(model), /m\.json is not JSON .*re-export/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("missing card or model files say which file and what to do", async () => {
  const dir = await mkdtemp(join(tmpdir(), "onnx-runtime-"));
  try {
    await assert.rejects(
      () => loadModelFile(join(dir, "missing.onnx")),
      (e: unknown) =>
        e instanceof ModelCardError && /cannot read the model card .*missing\.json/.test(e.message) &&
        /run the export pipeline/.test(e.message),
    );
    await writeFile(join(dir, "m.json"), JSON.stringify(card({ input: "x", logit: "logit" })));
    await assert.rejects(
      () => loadModelFile(join(dir, "m.onnx")),
      (e: unknown) =>
        e instanceof ModelCardError && /cannot read the model .*m\.onnx/.test(e.message) &&
        /exported \.onnx/.test(e.message),
    );
    await assert.rejects(() => loadModelFile(join(dir, "m.bin")), /must end in \.onnx/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("score runs at most maxBatch images per session.run, in order (default 64)", async () => {
  const bytes = meanColourModel(true);
  const parsed = parseModelCard(card({ input: "x", logit: "logit" }));
  const per = 3 * S * S;
  const n = 5;
  const batch = new Float32Array(n * per).map((_, i) => Math.floor(i / per) + Math.sin(i)); // image i ≈ i
  /** Logits of `session.run` on each group of images, concatenated. */
  const grouped = async (groups: number[][]) => {
    const session = await createSession(bytes);
    const out: number[] = [];
    for (const [from, to] of groups) {
      const { logit } = await session.run({
        x: { dims: [to - from, 3, S, S], data: batch.slice(from * per, to * per) },
      });
      out.push(...logit.data);
    }
    await session.close();
    return out;
  };
  const inTwos = await grouped([[0, 2], [2, 4], [4, 5]]);
  const together = await grouped([[0, 5]]);
  assert.notEqual(firstDifference(inTwos, together, 1e-4), -1, "the grouping shows in the logits");
  for (const [maxBatch, expected] of [[2, inTwos], [undefined, together], [Infinity, together]] as const) {
    const runtime = await createModelRuntime(parsed, bytes, { maxBatch });
    const { logits } = await runtime.score(batch, n);
    await runtime.close();
    assert.equal(firstDifference(logits, expected), -1, `maxBatch ${maxBatch}: ${logits} vs ${expected}`);
  }
});

Deno.test("the tiny int8 fixture runs with its subtype head and CAM on both backends", async () => {
  for (const backend of BACKENDS) {
    const runtime = await loadModelFile(TINY, { backend });
    const s = runtime.card.preprocess.size;
    const k = runtime.card.subtypes!.length;
    const { logits, subtypeLogits } = await runtime.score(new Float32Array(3 * 3 * s * s), 3);
    assert.equal(logits.length, 3);
    assert.ok(logits.every(Number.isFinite));
    assert.equal(subtypeLogits?.length, 3 * k);
    const one = await runtime.run(images(1, s), { cam: true });
    assert.equal(one.subtypeLogits?.length, k);
    assert.deepEqual([one.cam?.height, one.cam?.width, one.cam?.data.length], [8, 8, 64]);
    await runtime.close();
  }
});

Deno.test("node agrees with web (the service's runtime) on the int8 fixture", async () => {
  const node = await loadModelFile(TINY, { backend: "node" });
  const web = await loadModelFile(TINY);
  const s = node.card.preprocess.size;
  const n = 4;
  const batch = images(n, s);
  const a = await node.score(batch, n);
  const b = await web.score(batch, n);
  await node.close();
  await web.close();
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(a.logits[i] - b.logits[i]) < 1e-4, `image ${i}: node ${a.logits[i]} vs web ${b.logits[i]}`);
  }
  assert.equal(firstDifference(a.subtypeLogits!, b.subtypeLogits!, 1e-4), -1);
  assert.ok(Math.max(...b.logits) - Math.min(...b.logits) > 1e-3, `varied images, varied logits: ${b.logits}`);
});

Deno.test("score over n images in batches of maxBatch equals n single runs", async () => {
  for (const backend of BACKENDS) {
    const runtime = await loadModelFile(TINY, { backend, maxBatch: 2 });
    const s = runtime.card.preprocess.size;
    const per = 3 * s * s;
    const n = 5;
    const batch = new Float32Array(n * per + 7).map((_, i) => Math.sin(i * 0.37) * 1.5); // extra values are ignored
    const { logits, subtypeLogits } = await runtime.score(batch, n);
    const single = { logits: [] as number[], subtypeLogits: [] as number[] };
    for (let i = 0; i < n; i++) {
      const out = await runtime.run(batch.slice(i * per, (i + 1) * per));
      single.logits.push(out.logit);
      single.subtypeLogits.push(...out.subtypeLogits!);
    }
    await runtime.close();
    assert.equal(logits.length, n);
    // onnxruntime-node's kernels round differently for a batch of 1 and of 2 (≈1 float32 ulp)
    const tol = backend === "node" ? 1e-6 : 0;
    assert.equal(firstDifference(logits, single.logits, tol), -1, `${backend}: ${logits} vs ${single.logits}`);
    assert.equal(firstDifference(subtypeLogits!, single.subtypeLogits, tol), -1, backend);
    assert.equal(new Set(single.logits).size, n, `${backend}: five different images, five different logits`);
  }
});
