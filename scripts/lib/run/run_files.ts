/**
 * The run folder's names: the pipeline's steps and every file a step writes into a run
 * (`runs/<name>/`), with {@link runPath}. Plain data with no imports beyond node:path, so a
 * script's usage text can name them before it loads anything heavy; `run_folder.ts` re-exports
 * them beside the parsers of the files.
 *
 * @module
 */
import { join } from "node:path";

/** The pipeline's steps, in the order `deno task pipeline` runs them; each is also `deno task <step>`. */
export const STEPS = [
  "prepare",
  "train",
  "evaluate",
  "baseline",
  "export",
  "quantize",
  "domain",
  "shift",
  "suite",
  "card",
] as const;

/** One step of the pipeline. */
export type StepName = typeof STEPS[number];

/** A file (or folder) of a run folder. */
export interface RunFile {
  /** Relative to the run folder, with forward slashes. */
  path: string;
  /** The step that writes it. */
  step: StepName;
  /** What it holds, for messages and docs. */
  holds: string;
}

/** Every file of a run folder, by key. */
export const RUN_FILES = {
  manifest: {
    path: "manifest.json",
    step: "prepare",
    holds: "the split manifest, when the run has its own (the pipeline's default)",
  },
  preprocess: { path: "preprocess.json", step: "train", holds: "the input preprocessing (the card's `preprocess`)" },
  trainConfig: { path: "train_config.json", step: "train", holds: "the trainer's options, dataset and image root" },
  history: { path: "history.json", step: "train", holds: "one row per epoch: losses and validation metrics" },
  predictions: {
    path: "predictions.json",
    step: "train",
    holds: "the best checkpoint's logits on the val and test images",
  },
  best: { path: "best", step: "train", holds: "the best checkpoint (tfjs layers model folder)" },
  bestModel: { path: "best/model.json", step: "train", holds: "the best checkpoint's topology and weight manifest" },
  last: { path: "last", step: "train", holds: "the last checkpoint and what --resume needs" },
  lastModel: { path: "last/model.json", step: "train", holds: "the last checkpoint's topology and weight manifest" },
  loopState: { path: "last/state.json", step: "train", holds: "the training loop's state for --resume" },
  optimizer: { path: "last/optimizer.bin", step: "train", holds: "Adam's moments for --resume" },
  average: {
    path: "last/average.bin",
    step: "train",
    holds: "the weights' moving average for --resume (--average-epochs)",
  },
  eval: {
    path: "eval.json",
    step: "evaluate",
    holds: "temperature, threshold, review band and metrics of the trainer's predictions",
  },
  baseline: { path: "colour_baseline", step: "baseline", holds: "the colour-only baseline's folder" },
  baselineEval: {
    path: "colour_baseline/eval.json", // colour_baseline.ts writes its --out folder with a run's names
    step: "baseline",
    holds: "the colour-only baseline's evaluation (the card's `colourBaselineTest`)",
  },
  baselinePredictions: {
    path: "colour_baseline/predictions.json",
    step: "baseline",
    holds: "the colour-only baseline's predictions (trainer format)",
  },
  floatModel: { path: "model.float.onnx", step: "export", holds: "the float32 ONNX model" },
  onnxExport: {
    path: "onnx_export.json",
    step: "export",
    holds: "the ONNX graph's names, opset and the tfjs-vs-ONNX parity",
  },
  int8Model: { path: "model.int8.onnx", step: "quantize", holds: "the int8 QDQ ONNX model" },
  floatCard: {
    path: "model.float.json",
    step: "quantize",
    holds: "the float model's run card (what domain/shift read before the final card)",
  },
  int8Card: {
    path: "model.int8.json",
    step: "quantize",
    holds: "the int8 model's run card (what domain/shift read before the final card)",
  },
  exportReport: {
    path: "export_report.json",
    step: "quantize",
    holds: "quantisation, and the evaluation of both ONNX models",
  },
  domain: {
    path: "domain.json",
    step: "domain",
    holds: "the input-domain check (the card's `domain`: ranges, and the feature distance with --features)",
  },
  domainReport: {
    path: "domain_report.json",
    step: "domain",
    holds: "the domain fit and the out-of-domain checks (the card's `outOfDomain`; synthetic images with --features)",
  },
  shift: { path: "shift.json", step: "shift", holds: "the stain/JPEG shift report (the card's `shift`)" },
  suite: {
    path: "suite.json",
    step: "suite",
    holds: "the acquisition shift suite's answers (the card's `suite`)",
  },
} as const satisfies Record<string, RunFile>;

/** Key of a file in {@link RUN_FILES}. */
export type RunFileKey = keyof typeof RUN_FILES;

/**
 * Path of a run folder's file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * assert.equal(runPath("runs/x", "eval"), join("runs/x", "eval.json"));
 * assert.equal(runPath("runs/x", "loopState"), join("runs/x", "last", "state.json"));
 * ```
 */
export function runPath(run: string, key: RunFileKey): string {
  return join(run, RUN_FILES[key].path);
}
