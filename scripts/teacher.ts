/**
 * The distillation step's first half: a trained run (the teacher) scores every training image of
 * a split manifest, unaugmented, with its tfjs checkpoint; the trainer's `--teacher FILE` mixes
 * those logits into the student's loss (`scripts/lib/train/teacher.ts`).
 *
 *   deno task teacher --run runs/np/mnv2 --manifest runs/np/manifest.json --out runs/np/mnv2/teacher.json
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { cliArgs, stepFailed, UsageError } from "./lib/run/cli.ts";
import type { BackendName } from "./lib/tfjs/backend.ts";
import type { TeacherLogitsFile } from "./lib/train/teacher.ts";

const USAGE = `Usage: deno task teacher --run <teacher run> --manifest <split manifest> --out <teacher.json> [options]
  (node --import tsx scripts/teacher.ts …)
  --run DIR          the teacher's training run (train.ts --out): reads its checkpoint and preprocess.json
  --manifest FILE    the student's split manifest: every training image (all views) is scored
  --out FILE         where to write the logits (the trainer's --teacher FILE)
  --checkpoint best|last  (best)
  --backend NAME     tfjs backend: auto|tfjs-node-gpu|tfjs-node|webgpu|wasm|cpu (wasm)
Next: deno task train … --teacher FILE [--distill-weight 0.5 --distill-temperature 2].`;

const args = cliArgs({
  name: "teacher.ts",
  usage: USAGE,
  example: "deno task teacher --run runs/np/mnv2 --manifest runs/np/manifest.json --out runs/np/mnv2/teacher.json",
  options: {
    run: { type: "string" },
    manifest: { type: "string" },
    out: { type: "string" },
    checkpoint: { type: "string", default: "best" },
    backend: { type: "string", default: "wasm" },
  },
  required: ["run", "manifest", "out"],
}, (v) => {
  if (v.checkpoint !== "best" && v.checkpoint !== "last") {
    throw new UsageError(`--checkpoint must be best or last, got "${v.checkpoint}"`);
  }
  return {
    run: v.run!,
    manifest: v.manifest!,
    out: v.out!,
    checkpoint: v.checkpoint as "best" | "last",
    backend: v.backend as BackendName,
  };
});

const tf = await import("@tensorflow/tfjs");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { batches } = await import("./lib/run/onnx_scoring.ts");
const { readRunJson, runPath } = await import("./lib/run/run_folder.ts");
const { loadImages } = await import("./lib/shift/load.ts");
const { selectBackend } = await import("./lib/tfjs/backend.ts");
const { loadLayersModel } = await import("./lib/tfjs/file_io.ts");

try {
  const spec = await readRunJson(args.run, "preprocess");
  const config = await readRunJson(args.run, "trainConfig");
  const manifest = await readSplitManifest(args.manifest);
  console.error(`backend: ${await selectBackend(args.backend)}`);
  const model = await loadLayersModel(runPath(args.run, args.checkpoint));
  const logitIdx = Math.max(0, model.outputNames.findIndex((n) => n.startsWith("logit")));
  const items = manifest.items.filter((it) => it.split === "train");
  if (items.length === 0) throw new Error(`${args.manifest} has no training images`);
  const logits: Record<string, number> = {};
  const CHUNK = 64;
  for (let start = 0; start < items.length; start += CHUNK) {
    const images = await loadImages(manifest, items.slice(start, start + CHUNK));
    for (const b of batches(images, spec, "NHWC")) {
      const x = tf.tensor4d(b.data, [b.n, spec.size, spec.size, 3]);
      const out = model.predict(x) as import("@tensorflow/tfjs").Tensor | import("@tensorflow/tfjs").Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      const values = await outs[logitIdx].data();
      values.forEach((v, k) => (logits[images[b.start + k].item.path] = v));
      tf.dispose([x, ...outs]);
    }
    process.stderr.write(`\rteacher: ${Math.min(start + CHUNK, items.length)}/${items.length} training images`);
  }
  process.stderr.write("\n");
  const file: TeacherLogitsFile = {
    kind: "teacher-logits",
    created: new Date().toISOString(),
    teacher: { run: args.run, checkpoint: args.checkpoint, architecture: config.arch, size: spec.size },
    manifest: args.manifest,
    logits,
  };
  await writeFile(args.out, JSON.stringify(file));
  console.error(`wrote ${args.out}: ${items.length} logits from ${config.arch} at ${spec.size} px`);
} catch (err) {
  stepFailed("teacher.ts")(err);
}
