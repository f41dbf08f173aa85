import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pkg from "onnx-proto";
import { cardPathFor, createOnnxScorer } from "./node_runner.ts";

const onnx: typeof pkg.onnx = ((pkg as unknown as { default?: typeof pkg }).default ?? pkg).onnx;
const S = 8;

/** A 3-op model: global average pool → flatten → Gemm(W=[1,-2,0.5], b=0.25) → "logit" [N,1]. */
function meanColourModel(): Uint8Array {
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
        output: ["logit"],
        attribute: [onnx.AttributeProto.create({ name: "transB", i: 1, type: 2 })],
      }),
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

const card = (io: Record<string, string>) => ({
  id: "mean-colour",
  version: "test",
  sha256: "0",
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

Deno.test("cardPathFor puts the card beside the model", () => {
  assert.equal(cardPathFor("model/all-v1.int8.onnx"), "model/all-v1.int8.json");
  assert.throws(() => cardPathFor("model/x.bin"), /must end in \.onnx/);
});

Deno.test("createOnnxScorer reads the card and returns the logit per image", async () => {
  const dir = await mkdtemp(join(tmpdir(), "onnx-runner-"));
  try {
    await writeFile(join(dir, "m.onnx"), meanColourModel());
    await writeFile(join(dir, "m.json"), JSON.stringify(card({ input: "x", logit: "logit" })));
    const scorer = await createOnnxScorer(join(dir, "m.onnx"));
    assert.equal(scorer.card.id, "mean-colour");
    const per = 3 * S * S;
    const batch = new Float32Array(2 * per);
    batch.fill(1, 0, S * S); // image 0: R = 1, G = B = 0 → logit 1 + 0.25
    batch.fill(1, per + S * S, per + 2 * S * S); // image 1: G = 1 → logit -2 + 0.25
    const { logits, subtypeLogits } = await scorer.score(batch, 2);
    assert.deepEqual(Array.from(logits), [1.25, -1.75]);
    assert.equal(subtypeLogits, undefined);
    await assert.rejects(() => scorer.score(new Float32Array(per), 2), /cannot hold 2 images/);
    await scorer.release();

    await writeFile(join(dir, "m.json"), JSON.stringify(card({ input: "x", logit: "nope" })));
    await assert.rejects(() => createOnnxScorer(join(dir, "m.onnx")), /no output "nope"/);
    await assert.rejects(() => createOnnxScorer(join(dir, "missing.onnx")), /cannot read the model card/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const TINY = "tests/fixtures/models/tiny.int8.onnx";
Deno.test({
  name: "createOnnxScorer runs the tiny int8 fixture with its subtype head",
  ignore: !existsSync(TINY),
  fn: async () => {
    const scorer = await createOnnxScorer(TINY);
    const s = scorer.card.preprocess.size;
    const { logits, subtypeLogits } = await scorer.score(new Float32Array(3 * 3 * s * s), 3);
    assert.equal(logits.length, 3);
    assert.ok(logits.every(Number.isFinite));
    if (scorer.card.io.subtypeLogits) assert.equal(subtypeLogits?.length, 3 * scorer.card.subtypes!.length);
    await scorer.release();
  },
});

Deno.test({
  name: "createOnnxScorer agrees with onnxruntime-web (the service's runtime) on the int8 fixture",
  ignore: !existsSync(TINY),
  fn: async () => {
    const { initOrt } = await import("./ort_web.ts");
    const { readFile } = await import("node:fs/promises");
    const scorer = await createOnnxScorer(TINY);
    const { card } = scorer;
    const s = card.preprocess.size;
    const n = 4;
    const batch = new Float32Array(n * 3 * s * s).map((_, i) => Math.sin(i * 0.37) * 1.5); // varied input
    const { logits } = await scorer.score(batch, n);
    await scorer.release();
    const ort = await initOrt();
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(TINY)));
    const out = await session.run({ [card.io.input]: new ort.Tensor("float32", batch, [n, 3, s, s]) });
    const web = out[card.io.logit].data as Float32Array;
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(logits[i] - web[i]) < 1e-4, `image ${i}: node ${logits[i]} vs web ${web[i]}`);
    }
    await session.release();
  },
});
