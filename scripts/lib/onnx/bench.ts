/**
 * Float vs int8-QDQ speed with onnxruntime-web (wasm, one thread: the service's runtime), and which
 * ops onnxruntime's optimiser turns the QDQ graph into (via onnxruntime-node's optimized-model dump,
 * the same optimiser). Run: `./node_modules/.bin/tsx scripts/lib/onnx/bench.ts [size] [runs]`.
 * Not a test: timings depend on the machine and its load.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportToOnnx } from "./export.ts";
import { quantizeQdq } from "./quantize.ts";
import { initOrtWeb } from "./ort_web.ts";
import { randomizeWeights } from "./seeded.ts";
import { decodeModel } from "./proto.ts";
import { syntheticBatch } from "./testing.ts";

/**
 * A trainer-like model: four conv blocks (conv3×3 no bias + BN + ReLU + maxpool) → "gap" → Dropout → "logit", "subtype_logits".
 *
 * @example
 * ```ts
 * const model = benchModel(128, [32, 64, 128, 128]);
 * ```
 */
export function benchModel(size: number, filters: number[]): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = input as tf.SymbolicTensor;
  filters.forEach((f, i) => {
    x = tf.layers.conv2d({ name: `conv${i}`, filters: f, kernelSize: 3, padding: "same", useBias: false }).apply(
      x,
    ) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ name: `relu${i}`, activation: "relu" }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ name: `pool${i}`, poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  });
  const gap = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(x) as tf.SymbolicTensor;
  const d = tf.layers.dropout({ name: "drop", rate: 0.25 }).apply(gap) as tf.SymbolicTensor;
  const model = tf.model({
    inputs: input,
    outputs: [
      tf.layers.dense({ name: "logit", units: 1 }).apply(d) as tf.SymbolicTensor,
      tf.layers.dense({ name: "subtype_logits", units: 4 }).apply(d) as tf.SymbolicTensor,
    ],
  });
  randomizeWeights(model, 5);
  return model;
}

async function optimizedOps(bytes: Uint8Array): Promise<Record<string, number>> {
  const ortNode = await import("onnxruntime-node");
  const dir = await mkdtemp(join(tmpdir(), "ortopt-"));
  try {
    const path = join(dir, "opt.onnx");
    const s = await ortNode.InferenceSession.create(bytes, {
      graphOptimizationLevel: "all",
      optimizedModelFilePath: path,
      executionProviders: ["cpu"],
    });
    await s.release();
    const counts: Record<string, number> = {};
    for (const n of decodeModel(new Uint8Array(await readFile(path))).graph.node) {
      counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    }
    return counts;
  } finally {
    await rm(dir, { recursive: true });
  }
}

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 128);
  const runs = Number(process.argv[3] ?? 20);
  await tf.setBackend("cpu");
  const model = benchModel(size, [32, 64, 128, 128]);
  const { bytes } = exportToOnnx(model);
  const calib = [0, 1, 2, 3].map((i) => syntheticBatch([2, 3, size, size], 100 + i));
  const { bytes: q, report } = await quantizeQdq(bytes, calib);
  console.log(
    `size ${size}: float ${bytes.length} B, int8 ${q.length} B (ratio ${
      report.sizeRatio.toFixed(3)
    }), ${report.nodesQuantized} nodes quantised`,
  );
  try {
    console.log("optimised int8 graph ops (onnxruntime-node, same optimiser):", JSON.stringify(await optimizedOps(q)));
  } catch (err) {
    console.log(`(could not dump the optimised graph: ${(err as Error).message})`);
  }
  const ort = await initOrtWeb();
  const x = syntheticBatch([1, 3, size, size], 7);
  const sessions = {
    float: await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all", logSeverityLevel: 3 }),
    int8: await ort.InferenceSession.create(q, { graphOptimizationLevel: "all", logSeverityLevel: 3 }),
  };
  const times: Record<string, number[]> = { float: [], int8: [] };
  for (let r = 0; r < runs + 3; r++) {
    for (const k of ["float", "int8"] as const) {
      const t0 = performance.now();
      await sessions[k].run({ image: new ort.Tensor("float32", x, [1, 3, size, size]) });
      if (r >= 3) times[k].push(performance.now() - t0);
    }
  }
  for (const k of ["float", "int8"] as const) {
    const t = times[k].sort((a, b) => a - b);
    console.log(
      `onnxruntime-web wasm 1 thread ${k}: median ${t[t.length >> 1].toFixed(2)} ms, min ${
        t[0].toFixed(2)
      } ms over ${runs} runs`,
    );
  }
}

await main();
