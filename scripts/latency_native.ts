/**
 * onnxruntime-web (wasm, 1 thread — what the service runs) vs onnxruntime-node (native CPU) on
 * the same model and the same preprocessed real image: latency p50/p95/p99 of `session.run` and
 * the largest output difference. Runs under Node:
 *
 *   deno task latency:native [--model model.onnx] [--image image] [--runs n]
 *
 * Defaults: tests/fixtures/models/tiny.int8.onnx, the 450×450 C-NMC BMP fixture, 300 runs.
 * Both sessions come from the core's `createSession` at onnxruntime's full optimisation (`all`);
 * for an int8 QDQ model that is the native fused path the int8-on-native rule normally refuses
 * (`allowNativeInt8Fusion`), so `maxLogitDiff` shows what that fusion costs in accuracy.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { cliArgs, numberFlag } from "./lib/run/cli.ts";
import type { SessionOptions } from "../model/core/mod.ts";

const args = cliArgs(
  {
    name: "latency_native.ts",
    usage: `Usage: deno task latency:native [--model FILE] [--image FILE] [--runs N]
  (node --import tsx scripts/latency_native.ts …)
  --model FILE   the ONNX model, its card beside it (tests/fixtures/models/tiny.int8.onnx)
  --image FILE   the image, preprocessed by the card (tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp)
  --runs N       timed runs per session, after 20 warm-up runs (300)
Prints JSON: load time and p50/p95/p99 per runtime, the largest logit difference, web over native.`,
    example: "deno task latency:native --model model/all-v6.1.int8.onnx --runs 500",
    options: {
      model: { type: "string", default: "tests/fixtures/models/tiny.int8.onnx" },
      image: { type: "string", default: "tests/fixtures/images/cnmc_all_UID_35_6_2_all.bmp" },
      runs: { type: "string" },
    },
  },
  (v) => ({
    modelPath: v.model!,
    imagePath: v.image!,
    n: numberFlag(v.runs, "runs", { integer: true, min: 1, fallback: 300 }),
  }),
);
const { modelPath, imagePath, n } = args;

const { cardPathFor, createSession, decodeImage, parseModelCard, preprocess } = await import("../model/core/mod.ts");

const card = parseModelCard(JSON.parse(await readFile(cardPathFor(modelPath), "utf8")));
const modelBytes = new Uint8Array(await readFile(modelPath));
const img = await decodeImage(new Uint8Array(await readFile(imagePath)));
const x = preprocess(img, card.preprocess, "NCHW");
const size = card.preprocess.size;

function stats(times: number[]) {
  const s = [...times].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return {
    minMs: r(s[0]),
    p50Ms: r(q(0.5)),
    p95Ms: r(q(0.95)),
    p99Ms: r(q(0.99)),
    meanMs: r(s.reduce((a, b) => a + b) / s.length),
  };
}

type Runner = { run(): Promise<Float32Array> };

async function measure(name: string, create: () => Promise<Runner>) {
  const t0 = performance.now();
  const runner = await create();
  const loadMs = Math.round(performance.now() - t0);
  const out = await runner.run();
  for (let i = 0; i < 20; i++) await runner.run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await runner.run();
    times.push(performance.now() - t);
  }
  return { name, loadMs, ...stats(times), logit: out[0] };
}

/** A runner over one session; every output is computed (no fetch list), as the service does. */
const runner = (options: SessionOptions) => async (): Promise<Runner> => {
  const session = await createSession(modelBytes, options);
  const feeds = { [card.io.input]: { dims: [1, 3, size, size], data: x } };
  return { run: async () => (await session.run(feeds))[card.io.logit].data };
};
const web = await measure("onnxruntime-web wasm (1 thread)", runner({ backend: "web", optimization: "all" }));
const native = (threads: number) =>
  runner({ backend: "node", optimization: "all", allowNativeInt8Fusion: true, threads });
const native1 = await measure("onnxruntime-node native (1 thread)", native(1));
const nativeN = await measure("onnxruntime-node native (default threads)", native(0));

console.log(JSON.stringify(
  {
    model: modelPath,
    image: imagePath,
    runs: n,
    results: [web, native1, nativeN],
    maxLogitDiff: Math.max(Math.abs(web.logit - native1.logit), Math.abs(web.logit - nativeN.logit)),
    webOverNative1: Math.round((web.p50Ms / native1.p50Ms) * 100) / 100,
  },
  null,
  2,
));
