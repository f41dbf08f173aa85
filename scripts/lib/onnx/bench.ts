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
import { createSession, type OnnxSession, type OptimizationLevel } from "../../../model/core/mod.ts";
import { benchModel, maxAbsDiff } from "./test_models.ts";
import { decodeModel } from "./proto.ts";
import { syntheticBatch } from "../../../tests/helpers/onnx_testing.ts";

async function optimizedOps(bytes: Uint8Array): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), "ortopt-"));
  try {
    const path = join(dir, "opt.onnx");
    // Only the graph is wanted, not its (possibly wrong) native int8 logits: fusion allowed.
    const s = await createSession(bytes, {
      backend: "node",
      optimization: "all",
      allowNativeInt8Fusion: true,
      optimizedModelPath: path,
    });
    await s.close();
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
    `size ${size}: float ${bytes.length} B, int8 ${q.length} B (ratio ${report.sizeRatio.toFixed(3)}), ` +
      `${report.nodesQuantized} nodes quantised`,
  );
  try {
    console.log("optimised int8 graph ops (onnxruntime-node, same optimiser):", JSON.stringify(await optimizedOps(q)));
  } catch (err) {
    console.log(`(could not dump the optimised graph: ${(err as Error).message})`);
  }
  const x = syntheticBatch([1, 3, size, size], 7);
  // int8 at "basic" runs DQ → float op → Q (no fusion): its speed shows what fusion buys, and equal
  // outputs show that the fused int8 kernels compute exactly what the QDQ graph means.
  const configs = { float: [bytes, "all"], int8: [q, "all"], "int8-unfused": [q, "basic"] } as const;
  type Key = keyof typeof configs;
  const sessions = {} as Record<Key, OnnxSession>;
  for (const [k, [b, level]] of Object.entries(configs) as [Key, readonly [Uint8Array, OptimizationLevel]][]) {
    sessions[k] = await createSession(b, { backend: "web", optimization: level });
  }
  const times = {} as Record<Key, number[]>;
  const cams = {} as Record<Key, Float32Array>;
  for (let r = 0; r < runs + 3; r++) {
    for (const k of Object.keys(configs) as Key[]) {
      const t0 = performance.now();
      const out = await sessions[k].run({ image: { dims: [1, 3, size, size], data: x } });
      if (r >= 3) (times[k] ??= []).push(performance.now() - t0);
      cams[k] = out.cam.data;
    }
  }
  for (const s of Object.values(sessions)) await s.close();
  for (const k of Object.keys(configs) as Key[]) {
    const t = times[k].sort((a, b) => a - b);
    console.log(
      `onnxruntime-web wasm 1 thread ${k}: median ${t[t.length >> 1].toFixed(2)} ms, min ${
        t[0].toFixed(2)
      } ms over ${runs} runs`,
    );
  }
  console.log(
    `cam max |int8 - int8-unfused| ${maxAbsDiff(cams.int8, cams["int8-unfused"])}, max |int8 - float| ${
      maxAbsDiff(cams.int8, cams.float).toFixed(4)
    }`,
  );
}

await main();
