import assert from "node:assert/strict";
import { encodeOutputs, parseInferRequest } from "./tensors.ts";
import { float32ToBinary, readBytesElements } from "./binary.ts";
import { ApiError } from "../http/errors.ts";
import { fixture } from "../../../tests/helpers/images.ts";

const limits = { size: 2, maxImages: 3, maxImageBytes: 1_000_000 };
const none = new Uint8Array();

function fails(json: unknown, binary: Uint8Array = none): [number, string, string] {
  try {
    parseInferRequest(json, binary, limits);
  } catch (e) {
    if (e instanceof ApiError) return [e.status, e.code, e.message];
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(json).slice(0, 200)}`);
}

Deno.test("parseInferRequest: BYTES images from base64 JSON ([n] or [n, 1]) and from binary data", async () => {
  const bmp = await fixture("cnmc_all_UID_35_6_2_all.bmp");
  const jpg = await fixture("taleqani_Early_WBC-Malignant-Early-001.jpg");
  const flat = parseInferRequest(
    {
      inputs: [{ name: "image", datatype: "BYTES", shape: [2], data: [bmp.toBase64(), jpg.toBase64()] }],
    },
    none,
    limits,
  );
  const nested = parseInferRequest(
    {
      inputs: [{ name: "image", datatype: "BYTES", shape: [2, 1], data: [[bmp.toBase64()], [jpg.toBase64()]] }],
    },
    none,
    limits,
  );
  // BYTES binary data: each element's 4-byte little-endian length, then its bytes
  const bin = new Uint8Array(8 + bmp.length + jpg.length);
  new DataView(bin.buffer).setUint32(0, bmp.length, true);
  bin.set(bmp, 4);
  new DataView(bin.buffer).setUint32(4 + bmp.length, jpg.length, true);
  bin.set(jpg, 8 + bmp.length);
  const binary = parseInferRequest(
    {
      inputs: [{ name: "image", datatype: "BYTES", shape: [2], parameters: { binary_data_size: bin.length } }],
    },
    bin,
    limits,
  );
  for (const parsed of [flat, nested, binary]) {
    assert.equal(parsed.input.kind, "images");
    if (parsed.input.kind !== "images") continue;
    assert.deepEqual(parsed.input.images, [{ bytes: bmp, format: "bmp" }, { bytes: jpg, format: "jpeg" }]);
    assert.deepEqual(parsed.outputs.map((o) => [o.name, o.binary]), [
      ["scores", false],
      ["label", false],
      ["decision", false],
      ["reasons", false],
    ]);
  }
});

Deno.test("parseInferRequest: the FP32 tensor, flat, nested or binary, converted to float32", () => {
  const values = Array.from({ length: 24 }, (_, i) => (i - 12) / 7); // 2 images of 3×2×2
  const nested = [0, 1].map((n) =>
    [0, 1, 2].map((c) => [0, 1].map((y) => values.slice(n * 12 + c * 4 + y * 2).slice(0, 2)))
  );
  const want = new Float32Array(values);
  for (
    const [input, binary] of [
      [{ name: "input", datatype: "FP32", shape: [2, 3, 2, 2], data: values }, none],
      [{ name: "input", datatype: "FP32", shape: [2, 3, 2, 2], data: nested }, none],
      [
        { name: "input", datatype: "FP32", shape: [2, 3, 2, 2], parameters: { binary_data_size: 96 } },
        float32ToBinary(want),
      ],
    ] as const
  ) {
    const parsed = parseInferRequest({ id: "r-1", inputs: [input] }, binary, limits);
    assert.equal(parsed.id, "r-1");
    assert.deepEqual(parsed.input, { kind: "tensor", n: 2, data: want });
  }
});

Deno.test("parseInferRequest: bad tensors are 400 with a message saying what to send", () => {
  const img = (extra: Record<string, unknown>) => ({
    inputs: [{ name: "image", datatype: "BYTES", shape: [1], data: ["aGk="], ...extra }],
  });
  const t = (extra: Record<string, unknown>) => ({
    inputs: [{ name: "input", datatype: "FP32", shape: [1, 3, 2, 2], data: Array(12).fill(0), ...extra }],
  });
  const cases: [unknown, RegExp, Uint8Array?][] = [
    [[], /JSON object with "inputs"/],
    [{ inputs: [] }, /exactly one input/],
    [{ inputs: [img({}).inputs[0], t({}).inputs[0]] }, /exactly one input/],
    [{ inputs: [{ ...img({}).inputs[0], name: "pixels" }] }, /unknown input "pixels".*"image".*"input"/],
    [img({ datatype: "FP32" }), /send encoded images as BYTES/],
    [img({ shape: [1, 2] }), /shape is \[1,2\]; send \[n\]/],
    [img({ shape: [0], data: [] }), /n ≥ 1/],
    [img({ shape: [2] }), /must hold 2 base64 strings/],
    [img({ data: [7] }), /base64 strings/],
    [img({ data: undefined }), /has no data/],
    [t({ datatype: "FP64" }), /as FP32/],
    [t({ shape: [1, 3, 4, 4] }), /takes \[n, 3, 2, 2\]/],
    [t({ shape: [1, 2, 2, 3] }), /takes \[n, 3, 2, 2\]/],
    [t({ data: Array(11).fill(0) }), /must hold 12 numbers/],
    [t({ data: [...Array(11).fill(0), "1"] }), /data\[11\] is not a number/],
    [t({ data: [[[[[[[[[[0]]]]]]]]]] }), /must hold 12 numbers/], // deeper than any shape
    [t({ shape: [1, 3, 2, -2] }), /non-negative integers/],
    [t({ data: [...Array(11).fill(0), 1e39] }), /data\[11\] is Infinity as float32; send finite values/],
    [
      t({ parameters: { binary_data_size: 48 } }),
      /data\[3\] is NaN/,
      float32ToBinary([0, 0, 0, NaN, ...Array(8).fill(0)]),
    ],
    [t({ parameters: { binary_data_size: 48 } }), /binary part has 0 bytes.*add up to 48/],
    [t({ parameters: { binary_data_size: 47 } }), /47 binary bytes for 12 FP32 values/, new Uint8Array(47)],
    [t({ parameters: { binary_data_size: "48" } }), /binary_data_size must be a byte count/],
    [t({}), /binary part has 5 bytes/, new Uint8Array(5)],
    [{ ...t({}), id: 7 }, /`id` must be a string/],
    [{ ...t({}), outputs: [{ name: "logit" }] }, /unknown output "logit"; choose from scores,label,decision,reasons/],
    [{ ...t({}), outputs: {} }, /`outputs` must be an array/],
    [{ ...t({}), parameters: [] }, /`parameters` must be an object/],
  ];
  for (const [json, message, binary] of cases) {
    const [status, code, m] = fails(json, binary);
    assert.deepEqual([status, code], [400, "invalid_body"], m);
    assert.match(m, message);
  }
  assert.deepEqual(fails(img({ data: ["a*"] })).slice(0, 2), [400, "invalid_base64"]);
  assert.match(fails(img({ data: ["a*"] }))[2], /inputs\[0\] \(image\)\.data\[0\]/);
  assert.deepEqual(fails(t({ shape: [4, 3, 2, 2], data: Array(48).fill(0) })).slice(0, 2), [413, "too_many_images"]);
  assert.deepEqual(fails(img({ shape: [4], data: Array(4).fill("aGk=") })).slice(0, 2), [413, "too_many_images"]);
});

Deno.test("outputs: the request's choice and order; binary_data_output with per-output override", () => {
  const base = { inputs: [{ name: "input", datatype: "FP32", shape: [1, 3, 2, 2], data: Array(12).fill(0) }] };
  const chosen = parseInferRequest(
    {
      ...base,
      parameters: { binary_data_output: true },
      outputs: [{ name: "decision", parameters: { binary_data: false } }, { name: "scores" }],
    },
    none,
    limits,
  );
  assert.deepEqual(chosen.outputs, [{ name: "decision", binary: false }, { name: "scores", binary: true }]);
  const answers = [
    { label: "all" as const, scores: { all: 0.8125, normal: 0.1875 }, decision: "all" as const },
    {
      label: "normal" as const,
      scores: { all: 0.1, normal: 0.9 },
      decision: "review" as const,
      reasons: ["out_of_domain: x"],
    },
  ];
  const { tensors, binary } = encodeOutputs(answers, [
    { name: "reasons", binary: false },
    { name: "scores", binary: true },
    { name: "decision", binary: true },
  ]);
  assert.deepEqual(tensors, [
    { name: "reasons", datatype: "BYTES", shape: [2], data: ["[]", '["out_of_domain: x"]'] },
    { name: "scores", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 16 } },
    { name: "decision", datatype: "BYTES", shape: [2], parameters: { binary_data_size: 17 } },
  ]);
  assert.deepEqual(new Float32Array(binary[0].slice().buffer), new Float32Array([0.8125, 0.1875, 0.1, 0.9]));
  assert.deepEqual(readBytesElements(binary[1], 2, "decision").map((b) => new TextDecoder().decode(b)), [
    "all",
    "review",
  ]);
  // JSON scores are the answer's own numbers (double), as /v1 returns them
  assert.deepEqual(encodeOutputs(answers, [{ name: "scores", binary: false }]).tensors[0].data, [
    0.8125,
    0.1875,
    0.1,
    0.9,
  ]);
});
