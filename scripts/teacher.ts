/**
 * The distillation step's first half: a teacher scores every training image of a split manifest,
 * unaugmented; the trainer's `--teacher FILE` mixes those logits into the student's loss
 * (`scripts/lib/train/teacher.ts`). The teacher is a trained run (its tfjs checkpoint) or an exported
 * model (`--model X.onnx` with its card `X.json` beside it, e.g. an ensemble, scored on
 * onnxruntime-web with the card's preprocessing; its logit divided by the card's temperature).
 *
 *   deno task teacher --run runs/np/mnv2 --manifest runs/np/manifest.json --out runs/np/mnv2/teacher.json
 *   deno task teacher --model model/all-v6.float.onnx --manifest runs/np/manifest.json --out runs/np/all-v6-teacher.json
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { cliArgs, stepFailed, UsageError } from "./lib/run/cli.ts";
import type { BackendName } from "./lib/tfjs/backend.ts";
import type { TeacherLogitsFile } from "./lib/train/teacher.ts";
import type { ManifestItem, SplitManifest } from "./lib/data/split_manifest.ts";

const USAGE =
  `Usage: deno task teacher --run <teacher run> | --model <X.onnx> --manifest <split manifest> --out <teacher.json> [options]
  (node --import tsx scripts/teacher.ts …)
  --run DIR          the teacher's training run (train.ts --out): reads its checkpoint and preprocess.json
  --model X.onnx     or an exported model with its card X.json beside it (an ensemble too): scored on
                     onnxruntime-web, logits divided by the card's temperature
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
    model: { type: "string" },
    manifest: { type: "string" },
    out: { type: "string" },
    checkpoint: { type: "string", default: "best" },
    backend: { type: "string", default: "wasm" },
  },
  required: ["manifest", "out"],
}, (v) => {
  if ((v.run === undefined) === (v.model === undefined)) {
    throw new UsageError(
      "name the teacher with --run DIR (a training run) or --model X.onnx (an exported model), not both",
    );
  }
  if (v.model !== undefined && !v.model.endsWith(".onnx")) {
    throw new UsageError(`--model takes an .onnx file with its card beside it, got "${v.model}"`);
  }
  if (v.checkpoint !== "best" && v.checkpoint !== "last") {
    throw new UsageError(`--checkpoint must be best or last, got "${v.checkpoint}"`);
  }
  return {
    run: v.run,
    model: v.model,
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

/** The teacher's logit for every training image of the manifest, by path, and what the file records of it. */
async function teacherLogits(
  items: ManifestItem[],
  manifest: SplitManifest,
): Promise<{ logits: Record<string, number>; teacher: TeacherLogitsFile["teacher"] }> {
  const logits: Record<string, number> = {};
  const CHUNK = 64;
  const progress = (start: number) =>
    process.stderr.write(`\rteacher: ${Math.min(start + CHUNK, items.length)}/${items.length} training images`);
  if (args.model) {
    const { readFile } = await import("node:fs/promises");
    const { parseModelCard } = await import("../model/core/mod.ts");
    const { onnxLogits } = await import("./lib/run/onnx_scoring.ts");
    const cardPath = args.model.replace(/\.onnx$/, ".json");
    const card = parseModelCard(JSON.parse(await readFile(cardPath, "utf8")));
    const bytes = new Uint8Array(await readFile(args.model));
    for (let start = 0; start < items.length; start += CHUNK) {
      const images = await loadImages(manifest, items.slice(start, start + CHUNK));
      const { logits: l } = await onnxLogits(bytes, images, card.preprocess, card.io);
      l.forEach((v, k) => (logits[images[k].item.path] = v / card.temperature));
      progress(start);
    }
    process.stderr.write("\n");
    return {
      logits,
      teacher: { run: args.model, checkpoint: "onnx", architecture: card.architecture, size: card.preprocess.size },
    };
  }
  const run = args.run!;
  const spec = await readRunJson(run, "preprocess");
  const config = await readRunJson(run, "trainConfig");
  console.error(`backend: ${await selectBackend(args.backend)}`);
  const model = await loadLayersModel(runPath(run, args.checkpoint));
  const logitIdx = Math.max(0, model.outputNames.findIndex((n) => n.startsWith("logit")));
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
    progress(start);
  }
  process.stderr.write("\n");
  return { logits, teacher: { run, checkpoint: args.checkpoint, architecture: config.arch, size: spec.size } };
}

try {
  const manifest = await readSplitManifest(args.manifest);
  const items = manifest.items.filter((it) => it.split === "train");
  if (items.length === 0) throw new Error(`${args.manifest} has no training images`);
  const { logits, teacher } = await teacherLogits(items, manifest);
  const file: TeacherLogitsFile = {
    kind: "teacher-logits",
    created: new Date().toISOString(),
    teacher,
    manifest: args.manifest,
    logits,
  };
  await writeFile(args.out, JSON.stringify(file));
  console.error(`wrote ${args.out}: ${items.length} logits from ${teacher.architecture} at ${teacher.size} px`);
} catch (err) {
  stepFailed("teacher.ts")(err);
}
