/**
 * The run folder: every file the training pipeline writes into one run (`runs/<name>/`), which
 * step writes it, and a parser for each JSON file that says what to do when the file is missing
 * or malformed, as `parseModelCard` does for the card. Steps take their paths from here
 * ({@link runPath}) instead of spelling file names.
 *
 * ```text
 * runs/x/
 *   manifest.json (when the run has its own; else --manifest)           prepare
 *   preprocess.json  train_config.json  history.json  predictions.json   train
 *   best/  last/ (model.json, weights, state.json, optimizer.bin, average.bin) train
 *   eval.json                                                            evaluate
 *   colour_baseline/eval.json  colour_baseline/predictions.json          baseline
 *   model.float.onnx  onnx_export.json                                   export
 *   model.int8.onnx  model.int8.json  model.float.json  export_report.json  quantize
 *   domain.json  domain_report.json                                      domain
 *   shift.json                                                           shift
 *   suite.json                                                           suite
 * ```
 *
 * The `card` step writes `<out>/<name>.{float,int8}.{onnx,json}` outside the run folder.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import {
  type DomainCheck,
  domainCheckProblem,
  type FeatureDomainCheck,
  type ModelCard,
  type ModelIO,
  parseModelCard,
  type PreprocessSpec,
  preprocessSpecProblem,
} from "../../../model/core/mod.ts";
import type { EvalReport } from "../metrics/report.ts";
import { parsePredictions, type PredictionRow } from "../metrics/predictions.ts";
import type { ShiftReport } from "../shift/report.ts";
import type { LoopState } from "../train/checkpoint.ts";
import type { HistoryRow, TrainOptions } from "../train/loop.ts";

export { RUN_FILES, type RunFile, type RunFileKey, runPath, type StepName, STEPS } from "./run_files.ts";
import { RUN_FILES, runPath } from "./run_files.ts";

// ---- what the JSON files hold

/** `train_config.json`: the trainer's options (less the manifest), the subtype head's classes, the dataset and its root. */
export type TrainConfig = Omit<TrainOptions, "manifest" | "log" | "distill"> & {
  /** Knowledge distillation, when the run had a teacher: where its logits came from and the mix. */
  distill?: { source: string; weight: number; temperature: number; teacherImages: number };
  /** Classes of the subtype head, in its output order (empty: no subtype head). */
  subtypes: string[];
  /** The manifest's dataset kind (`taleqani`, `cnmc`, `folders`). */
  dataset: string;
  /** The folder the manifest's paths are relative to. */
  root: string;
  /** An ensemble's members (`ensemble.ts`): the rest of this config is member 0's. */
  ensemble?: EnsembleMemberConfig[];
  /** Where an ensemble's member temperatures came from when not its members' own validation (`ensemble.ts --point`). */
  memberTemperaturesFrom?: string;
};

/** One member of an ensemble run, as `train_config.json` records it. */
export interface EnsembleMemberConfig {
  /** Its run folder. */
  run: string;
  /** Its share of the calibrated-logit mean. */
  weight: number;
  /** Its temperature (its logit is divided by it): its own validation's, or a fixed point's (`memberTemperaturesFrom`). */
  temperature: number;
  /** The colour mode it was trained on (its in-graph front end when modes differ). */
  colorMode: string;
}

/** `last/state.json`: the loop state plus Adam's step count. */
export type LoopStateFile = LoopState & {
  adamT: number;
  /** with `--average-epochs`: the sum of the step weights the average in `last/average.bin` holds */
  averageTotal?: number;
};

/** `onnx_export.json`: what the export step made of the checkpoint. */
export interface OnnxExport {
  kind: "onnx-export";
  created: string;
  /** The checkpoint folder exported (`best` or `last`). */
  checkpoint: string;
  opset: number;
  /** Graph input and output names (the card's `io`). */
  io: ModelIO;
  floatBytes: number;
  /** tfjs against onnxruntime-web on the first val images. */
  parity: { images: number; maxAbsLogitDiff: number; tolerance: number };
}

/** `export_report.json`'s `quantization` (also the cards' `metrics.quantization`). */
export interface QuantizationSummary {
  method: string;
  calibrationImages: number;
  floatBytes: number;
  int8Bytes: number;
  sizeRatio: number;
  /** Share of test images whose label (float model's temperature and threshold) is the same. */
  testLabelAgreement: number;
  testMaxAbsScoreDiff: number;
  testMeanAbsScoreDiff: number;
  parityFloatMaxAbsLogitDiff: number;
  parityImages: number;
  reducedRangeWeights: boolean;
  /** int8 on native onnxruntime-node (all fusions) against onnxruntime-web. */
  nativeVsWebMaxAbsLogitDiff: number;
}

/** `export_report.json`: quantisation and both ONNX models' evaluations. */
export interface ExportReport {
  quantization: QuantizationSummary;
  float: EvalReport;
  int8: EvalReport;
}

/** One out-of-domain check of `domain_report.json`. */
export interface OodCheck {
  manifest: string;
  dataset: string;
  n: number;
  flagged: number;
  model?: { all?: { sensitivity: number; specificity: number } };
  [extra: string]: unknown;
}

/**
 * The feature check as `domain_report.json` records it: everything but the mean and whitening
 * (those are in `domain.json`, and the card carries them once), plus the file they are in.
 */
export type FeatureCheckSummary = Omit<FeatureDomainCheck, "mean" | "whitening"> & { file?: string };

/** `domain_report.json`: the domain fit and its checks on other sets. */
export interface DomainReport {
  kind: "domain-fit";
  domain: { ranges: DomainCheck["ranges"]; features?: FeatureCheckSummary };
  checks: OodCheck[];
  /** `--features`: non-microscopy images made in code, each of which the check should flag. */
  synthetic?: { name: string; flagged: boolean; distance: number; reasons: string[] }[];
  [extra: string]: unknown;
}

/** `shift.json`: the shift grid's results for the model (and the colour baseline). */
export interface ShiftFile {
  kind: "shift-robustness";
  results: { model: ShiftReport; baseline?: ShiftReport & { source?: string; kind?: string } };
  [extra: string]: unknown;
}

/**
 * A share in `suite.json`, with its cluster-bootstrap interval; `value` and `ci` are `null` where
 * the class is absent. The same shape as `Share` of `scripts/lib/shift_suite/answers.ts`, spelled
 * out here because the trainer reaches this module and must never reach the evaluation-only suite
 * (`tests/architecture_test.ts`); `run_folder_test.ts` checks that the two types are the same.
 */
export interface SuiteShare {
  count: number;
  of: number;
  value: number | null;
  ci: [number, number] | null;
}

/** One shift's summary in `suite.json` (`ShiftAnswers` of `scripts/lib/shift_suite/answers.ts`). */
export interface SuiteResult {
  shift: string;
  family: string;
  n: { all: number; normal: number };
  allAnsweredNormal: SuiteShare;
  normalAnsweredNormal: SuiteShare;
  normalAnsweredAll: SuiteShare;
  review: SuiteShare;
  outOfDomain: SuiteShare;
  auroc: number | null;
}

/** Issue #13's targets as `suite.json` records them (`SuiteTargets` of `answers.ts`). */
export interface SuiteTargetValues {
  maxAllAnsweredNormal: number;
  minNormalAnsweredNormal: number;
  maxReview: number;
  minAuroc: number;
}

/** Another dataset answered unshifted (`evaluate_suite.ts --check`). */
export interface SuiteCheck {
  manifest: string;
  dataset: string;
  n: number;
  answered: { all: number; normal: number; review: number };
  outOfDomain: number;
  /** ALL answered `normal` or normal answered `all`. */
  wrong: number;
  wrongShare: number | null;
  summary?: SuiteResult;
}

/** `suite.json` (`evaluate_suite.ts`): what the service answers under each shift of the suite. */
export interface SuiteFile {
  kind: "shift-suite";
  created?: string;
  model?: { path: string; id: string; version: string; sha256: string };
  data: { manifest: string; dataset: string; split: string; n: number };
  /** Whether the domain check came from the card or `--domain`, and whether it has the feature distance. */
  domain?: { fromCard: boolean; features: boolean };
  targets?: { unshifted: SuiteTargetValues; shifted: SuiteTargetValues };
  shifts?: { name: string; family: string; strength: number; params: readonly unknown[] }[];
  results: SuiteResult[];
  /** Per shift, the targets it misses (empty: all met). */
  misses: { shift: string; missed: string[] }[];
  withinTargets: boolean;
  checks: SuiteCheck[];
  [extra: string]: unknown;
}

/** `colour_baseline/eval.json`: an evaluation like `eval.json`, plus the baseline's description. */
export type BaselineEval = EvalReport & { baseline: Record<string, unknown>; colourShiftTest?: unknown[] };

/** The parsed content of each JSON file of a run folder. */
export interface RunJson {
  preprocess: PreprocessSpec;
  trainConfig: TrainConfig;
  history: HistoryRow[];
  predictions: PredictionRow[];
  loopState: LoopStateFile;
  eval: EvalReport;
  baselineEval: BaselineEval;
  onnxExport: OnnxExport;
  floatCard: ModelCard;
  int8Card: ModelCard;
  exportReport: ExportReport;
  domain: DomainCheck;
  domainReport: DomainReport;
  shift: ShiftFile;
  suite: SuiteFile;
}

/** Key of a JSON file in {@link RUN_FILES}. */
export type RunJsonKey = keyof RunJson;

// ---- parsers: each checks what its readers rely on and returns the value itself (not a copy)

type Obj = Record<string, unknown>;

function object(v: unknown, what: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${what} must be a JSON object`);
  return v as Obj;
}

function num(o: Obj, key: string, ok: (x: number) => boolean = Number.isFinite, rule = "a finite number"): number {
  const v = o[key];
  if (typeof v !== "number" || !ok(v)) throw new Error(`"${key}" must be ${rule}`);
  return v;
}

function str(o: Obj, key: string): string {
  if (typeof o[key] !== "string" || o[key] === "") throw new Error(`"${key}" must be a non-empty string`);
  return o[key] as string;
}

const isCount = (x: number) => Number.isInteger(x) && x >= 0;

/**
 * `preprocess.json`, checked with the card's rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = parsePreprocessSpec({
 *   size: 96, crop: "none", resize: "area", normalization: { mode: "per-image", minStd: 0.01 },
 *   channelOrder: "RGB", alphaBackground: 0,
 * });
 * assert.equal(spec.size, 96);
 * assert.throws(() => parsePreprocessSpec({ ...spec, size: 0 }), /size/); // the card's rule for the size
 * ```
 */
export function parsePreprocessSpec(value: unknown): PreprocessSpec {
  const problem = preprocessSpecProblem(value);
  if (problem) throw new Error(problem);
  return value as PreprocessSpec;
}

/**
 * `train_config.json`: the fields the later steps read (architecture, width, preprocessing,
 * dataset, root, subtype classes, epochs, seed).
 *
 * @example
 * ```ts
 * const config = parseTrainConfig({
 *   arch: "small-gap", width: 0.75, epochs: 30, seed: 1, dataset: "taleqani", root: "/data/taleqani_all",
 *   subtypes: ["Benign", "Early", "Pre", "Pro"],
 *   spec: { size: 96, crop: "none", resize: "area", normalization: { mode: "per-image", minStd: 0.01 } },
 * });
 * if (config.dataset !== "taleqani") throw new Error("the value itself comes back, typed");
 * ```
 */
export function parseTrainConfig(value: unknown): TrainConfig {
  const c = object(value, "the train config");
  str(c, "arch");
  num(c, "width", (x) => x > 0, "a positive number");
  num(c, "epochs", isCount, "a whole number");
  num(c, "seed", Number.isInteger, "an integer");
  str(c, "dataset");
  str(c, "root");
  if (!Array.isArray(c.subtypes) || !c.subtypes.every((s) => typeof s === "string")) {
    throw new Error(`"subtypes" must be a list of class names (empty without a subtype head)`);
  }
  const problem = preprocessSpecProblem(c.spec);
  if (problem) throw new Error(problem.replace('"preprocess.', '"spec.'));
  return value as TrainConfig;
}

/**
 * `history.json`: one object per epoch, numbered from 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parseHistory([{ epoch: 1, val: { auroc: 0.9 } }]).length, 1);
 * assert.throws(() => parseHistory([{ epoch: 2, val: {} }]), /row 0 has "epoch" 2, expected 1/);
 * assert.equal(parseHistory([{ epoch: 1, val: null }]).length, 1); // a refit: no val split
 * ```
 */
export function parseHistory(value: unknown): HistoryRow[] {
  if (!Array.isArray(value)) throw new Error("expected a JSON array with one object per epoch");
  value.forEach((row, i) => {
    const r = object(row, `epoch row ${i}`);
    if (r.epoch !== i + 1) throw new Error(`row ${i} has "epoch" ${JSON.stringify(r.epoch)}, expected ${i + 1}`);
    if (r.val !== null) object(r.val, `row ${i}'s "val"`); // null: a refit without a val split
  });
  return value as HistoryRow[];
}

/**
 * `last/state.json`: where training stopped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const state = { epoch: 3, bestEpoch: 1, bestScore: 0.9, bestLoss: 0.3, badEpochs: 1, seconds: 60, adamT: 120 };
 * assert.equal(parseLoopState(state).epoch, 3);
 * assert.throws(() => parseLoopState({ ...state, adamT: -1 }), /"adamT" must be a whole number/);
 * assert.equal(parseLoopState({ ...state, averageTotal: 98.5 }).averageTotal, 98.5); // --average-epochs
 * assert.throws(() => parseLoopState({ ...state, averageTotal: -1 }), /"averageTotal" must be a number ≥ 0/);
 * ```
 */
export function parseLoopState(value: unknown): LoopStateFile {
  const s = object(value, "the loop state");
  num(s, "epoch", isCount, "a whole number");
  num(s, "bestEpoch", (x) => Number.isInteger(x) && x >= -1, "an integer ≥ -1");
  num(s, "badEpochs", isCount, "a whole number");
  num(s, "adamT", isCount, "a whole number");
  if (s.averageTotal !== undefined) num(s, "averageTotal", (x) => x >= 0, "a number ≥ 0");
  return value as LoopStateFile;
}

/**
 * An evaluation as `scripts/evaluate.ts` writes it (`eval.json`, and each model's in `export_report.json`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const evaluation = { version: 1, temperature: 0.8, threshold: 0.2, reviewBand: [0.1, 0.4], metrics: { val: {} } };
 * assert.equal(parseEvalReport(evaluation).threshold, 0.2);
 * assert.throws(() => parseEvalReport({ ...evaluation, reviewBand: [0.4, 0.1] }), /low ≤ high/);
 * ```
 */
export function parseEvalReport(value: unknown): EvalReport {
  const e = object(value, "the evaluation");
  if (e.version !== 1) throw new Error(`"version" must be 1 (an evaluation from scripts/lib/metrics/report.ts)`);
  num(e, "temperature", (x) => x > 0, "> 0");
  num(e, "threshold", (x) => x >= 0 && x <= 1, "in [0, 1]");
  const band = e.reviewBand;
  if (!Array.isArray(band) || band.length !== 2 || !(band[0] <= band[1])) {
    throw new Error(`"reviewBand" must be [low, high] with low ≤ high`);
  }
  const metrics = object(e.metrics, `"metrics"`);
  if (metrics.val === undefined) {
    // a refit on every non-test image: no val split, only at a fixed out-of-fold point
    if (!String(object(e.operatingPoint, `"operatingPoint"`).chosenOn).startsWith("out-of-fold")) {
      throw new Error(`"metrics.val" is missing, which only an evaluation at an out-of-fold point may leave out`);
    }
    object(metrics.test, `"metrics.test"`);
  } else object(metrics.val, `"metrics.val"`);
  return value as EvalReport;
}

/**
 * `colour_baseline/eval.json`: an evaluation plus the baseline's description.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const evaluation = { version: 1, temperature: 1, threshold: 0.5, reviewBand: [0.4, 0.6], metrics: { val: {} } };
 * const baseline = parseBaselineEval({ ...evaluation, baseline: { kind: "colour-logistic" } });
 * assert.equal(baseline.baseline.kind, "colour-logistic");
 * assert.throws(() => parseBaselineEval(evaluation), /"baseline" must be a JSON object/); // a plain evaluation
 * ```
 */
export function parseBaselineEval(value: unknown): BaselineEval {
  parseEvalReport(value);
  object((value as Obj).baseline, `"baseline"`);
  return value as BaselineEval;
}

function parseIo(value: unknown): ModelIO {
  const io = object(value, `"io"`);
  str(io, "input");
  str(io, "logit");
  for (const k of ["subtypeLogits", "cam"]) {
    if (io[k] !== undefined) str(io, k);
  }
  return io as unknown as ModelIO;
}

/**
 * `onnx_export.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const exported = {
 *   kind: "onnx-export", created: "2025-01-01T00:00:00.000Z", checkpoint: "best", opset: 17,
 *   io: { input: "image", logit: "logit" }, floatBytes: 1000,
 *   parity: { images: 32, maxAbsLogitDiff: 1e-6, tolerance: 1e-4 },
 * };
 * assert.equal(parseOnnxExport(exported).io.logit, "logit");
 * assert.throws(() => parseOnnxExport({ ...exported, opset: 11 }), /an opset ≥ 13/);
 * ```
 */
export function parseOnnxExport(value: unknown): OnnxExport {
  const x = object(value, "the export report");
  if (x.kind !== "onnx-export") throw new Error(`"kind" must be "onnx-export"`);
  str(x, "checkpoint");
  num(x, "opset", (v) => Number.isInteger(v) && v >= 13, "an opset ≥ 13");
  num(x, "floatBytes", isCount, "a whole number");
  parseIo(x.io);
  const p = object(x.parity, `"parity"`);
  num(p, "images", isCount, "a whole number");
  num(p, "maxAbsLogitDiff", (v) => v >= 0, "≥ 0");
  num(p, "tolerance", (v) => v >= 0, "≥ 0");
  return value as unknown as OnnxExport;
}

/**
 * `export_report.json`.
 *
 * @example
 * ```ts
 * const evaluation = { version: 1, temperature: 0.7, threshold: 0.18, reviewBand: [0.05, 0.5], metrics: { val: {} } };
 * const quantization = {
 *   method: "static int8 QDQ", calibrationImages: 256, floatBytes: 665000, int8Bytes: 182000, sizeRatio: 0.27,
 *   testLabelAgreement: 0.9975, testMaxAbsScoreDiff: 0.2, testMeanAbsScoreDiff: 0.005,
 *   parityFloatMaxAbsLogitDiff: 2e-6, parityImages: 32, reducedRangeWeights: true, nativeVsWebMaxAbsLogitDiff: 0,
 * };
 * const report = parseExportReport({ quantization, float: evaluation, int8: evaluation });
 * if (report.quantization.testLabelAgreement !== 0.9975) throw new Error("typed, unchanged");
 * ```
 */
export function parseExportReport(value: unknown): ExportReport {
  const r = object(value, "the export report");
  const q = object(r.quantization, `"quantization"`);
  for (const k of ["floatBytes", "int8Bytes", "calibrationImages", "parityImages"]) {
    num(q, k, isCount, "a whole number");
  }
  for (const k of ["sizeRatio", "testLabelAgreement", "testMaxAbsScoreDiff", "testMeanAbsScoreDiff"]) num(q, k);
  str(q, "method");
  for (const side of ["float", "int8"]) {
    try {
      parseEvalReport(r[side]);
    } catch (err) {
      throw new Error(`"${side}": ${(err as Error).message}`);
    }
  }
  return value as unknown as ExportReport;
}

/**
 * `domain.json`: the card's input-domain check, `{ ranges: { statistic: [min, max] } }`, and with
 * `fit_domain.ts --features` the feature distance `features` (checked as the card checks it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseDomainCheck({ ranges: { meanR: [0.5, 1] } }).ranges.meanR, [0.5, 1]);
 * assert.throws(() => parseDomainCheck({ ranges: { meanR: [1, 0.5] } }), /"ranges.meanR" must be \[min, max\]/);
 * assert.throws(() => parseDomainCheck({ ranges: {} }), /names no statistic/);
 * ```
 */
export function parseDomainCheck(value: unknown): DomainCheck {
  const check = object(value, "the domain check");
  const ranges = object(check.ranges, `"ranges"`);
  const names = Object.keys(ranges);
  if (names.length === 0 && check.features === undefined) throw new Error(`"ranges" names no statistic`);
  for (const k of names) {
    const r = ranges[k];
    if (
      !Array.isArray(r) || r.length !== 2 || typeof r[0] !== "number" || typeof r[1] !== "number" || !(r[0] <= r[1])
    ) {
      throw new Error(`"ranges.${k}" must be [min, max] with min ≤ max`);
    }
  }
  if (check.features !== undefined) {
    const problem = domainCheckProblem(check);
    if (problem) throw new Error(problem.replaceAll('"domain.', '"'));
  }
  return value as DomainCheck;
}

/**
 * `domain_report.json`: the fit and its checks (`fit_domain.ts --report`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const report = {
 *   kind: "domain-fit", domain: { ranges: { meanR: [0.5, 1] } },
 *   checks: [{ manifest: "m.json", dataset: "cnmc", n: 52, flagged: 52 }],
 * };
 * assert.equal(parseDomainReport(report).checks[0].flagged, 52);
 * const noFlagged = { ...report, checks: [{ dataset: "cnmc", n: 52 }] };
 * assert.throws(() => parseDomainReport(noFlagged), /checks\[0\]: "flagged" must be a whole number/);
 * ```
 */
export function parseDomainReport(value: unknown): DomainReport {
  const r = object(value, "the domain report");
  if (r.kind !== "domain-fit") throw new Error(`"kind" must be "domain-fit" (written by scripts/fit_domain.ts)`);
  const domain = object(r.domain, `"domain"`);
  if (domain.features === undefined) {
    parseDomainCheck(domain);
  } else {
    // the report's feature check leaves out the mean and whitening (they are in domain.json)
    const ranges = object(domain.ranges, `"ranges"`);
    if (Object.keys(ranges).length > 0) parseDomainCheck({ ranges });
    const f = object(domain.features, `"domain.features"`);
    num(f, "threshold");
    num(f, "dims", isCount, "a whole number");
  }
  if (!Array.isArray(r.checks)) throw new Error(`"checks" must be a list`);
  r.checks.forEach((c, i) => {
    try {
      const o = object(c, "the check");
      str(o, "dataset");
      num(o, "n", isCount, "a whole number");
      num(o, "flagged", isCount, "a whole number");
    } catch (err) {
      throw new Error(`checks[${i}]: ${(err as Error).message}`);
    }
  });
  return value as DomainReport;
}

/**
 * `shift.json` (`evaluate_shift.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const shift = { kind: "shift-robustness", results: { model: { cells: [] } } };
 * assert.equal(parseShiftFile(shift).kind, "shift-robustness");
 * assert.throws(() => parseShiftFile({ ...shift, results: { model: {} } }), /"results.model.cells" must be a list/);
 * ```
 */
export function parseShiftFile(value: unknown): ShiftFile {
  const r = object(value, "the shift report");
  if (r.kind !== "shift-robustness") {
    throw new Error(`"kind" must be "shift-robustness" (written by scripts/evaluate_shift.ts)`);
  }
  const model = object(object(r.results, `"results"`).model, `"results.model"`);
  if (!Array.isArray(model.cells)) throw new Error(`"results.model.cells" must be a list`);
  return value as ShiftFile;
}

function share(v: unknown, what: string): void {
  const s = object(v, `"${what}"`);
  try {
    const count = num(s, "count", isCount, "a whole number"), of = num(s, "of", isCount, "a whole number");
    if (s.value !== null) num(s, "value", (x) => x >= 0 && x <= 1, "in [0, 1] or null");
    if (count > of) throw new Error(`"count" ${count} exceeds "of" ${of}`);
  } catch (err) {
    throw new Error(`"${what}": ${(err as Error).message}`);
  }
}

function suiteResult(v: unknown): void {
  const r = object(v, "the result");
  str(r, "shift");
  str(r, "family");
  for (const k of ["allAnsweredNormal", "normalAnsweredNormal", "normalAnsweredAll", "review", "outOfDomain"]) {
    share(r[k], k);
  }
  if (r.auroc !== null) num(r, "auroc", (x) => x >= 0 && x <= 1, "in [0, 1] or null");
}

/**
 * `suite.json` (`evaluate_suite.ts`): the shift suite's answers, checked for what the card step
 * reads (every shift's shares and AUROC, the misses, the other datasets' answers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const none = { count: 0, of: 2, value: 0, ci: [0, 0] };
 * const identity = { shift: "identity", family: "identity", n: { all: 2, normal: 2 }, allAnsweredNormal: none,
 *   normalAnsweredNormal: { count: 2, of: 2, value: 1, ci: [1, 1] }, normalAnsweredAll: none,
 *   review: { ...none, of: 4 }, outOfDomain: { ...none, of: 4 }, auroc: 1 };
 * const suite = {
 *   kind: "shift-suite", data: { manifest: "m.json", dataset: "taleqani", split: "test", n: 4 },
 *   results: [identity], misses: [{ shift: "identity", missed: [] }], withinTargets: true, checks: [],
 * };
 * assert.equal(parseSuiteFile(suite).results[0].auroc, 1);
 * assert.throws(
 *   () => parseSuiteFile({ ...suite, results: [{ ...identity, review: { count: 5, of: 4, value: 1, ci: null } }] }),
 *   /results\[0\]: "review": "count" 5 exceeds "of" 4/,
 * );
 * ```
 */
export function parseSuiteFile(value: unknown): SuiteFile {
  const r = object(value, "the suite report");
  if (r.kind !== "shift-suite") throw new Error(`"kind" must be "shift-suite" (written by scripts/evaluate_suite.ts)`);
  const data = object(r.data, `"data"`);
  str(data, "dataset");
  str(data, "split");
  num(data, "n", isCount, "a whole number");
  if (!Array.isArray(r.results) || r.results.length === 0) throw new Error(`"results" must be a non-empty list`);
  r.results.forEach((x, i) => {
    try {
      suiteResult(x);
    } catch (err) {
      throw new Error(`results[${i}]: ${(err as Error).message}`);
    }
  });
  if (
    !Array.isArray(r.misses) ||
    !r.misses.every((m) => typeof m?.shift === "string" && Array.isArray(m.missed))
  ) {
    throw new Error(`"misses" must be a list of { shift, missed: [...] }`);
  }
  if (typeof r.withinTargets !== "boolean") throw new Error(`"withinTargets" must be true or false`);
  if (!Array.isArray(r.checks)) throw new Error(`"checks" must be a list`);
  r.checks.forEach((c, i) => {
    try {
      const o = object(c, "the check");
      str(o, "dataset");
      num(o, "n", isCount, "a whole number");
      const a = object(o.answered, `"answered"`);
      for (const k of ["all", "normal", "review"]) num(a, k, isCount, "a whole number");
      num(o, "outOfDomain", isCount, "a whole number");
      num(o, "wrong", isCount, "a whole number");
    } catch (err) {
      throw new Error(`checks[${i}]: ${(err as Error).message}`);
    }
  });
  return value as SuiteFile;
}

const PARSERS: { [K in RunJsonKey]: (value: unknown) => RunJson[K] } = {
  preprocess: parsePreprocessSpec,
  trainConfig: parseTrainConfig,
  history: parseHistory,
  predictions: (v) => parsePredictions(v, "predictions"),
  loopState: parseLoopState,
  eval: parseEvalReport,
  baselineEval: parseBaselineEval,
  onnxExport: parseOnnxExport,
  floatCard: parseModelCard,
  int8Card: parseModelCard,
  exportReport: parseExportReport,
  domain: parseDomainCheck,
  domainReport: parseDomainReport,
  shift: parseShiftFile,
  suite: parseSuiteFile,
};

/** A run-folder file is missing or unusable; the message says which step writes it and how to run it. */
export class RunFileError extends Error {
  override name = "RunFileError";
  constructor(message: string, readonly file: string, readonly missing: boolean) {
    super(message);
  }
}

/** How to (re-)run the step that writes `key`. */
function remedy(key: RunJsonKey, run?: string): string {
  const step = RUN_FILES[key].step;
  return run === undefined
    ? `run \`deno task ${step}\``
    : `run \`deno task ${step}\` or \`deno task pipeline --run ${run} --from ${step}\``;
}

/**
 * Checks an already parsed JSON value as the run file `key`; the error names the file and the
 * step that writes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const domain = parseRunJson("domain", { ranges: { meanR: [0.5, 1] } }, "runs/x/domain.json");
 * assert.deepEqual(domain.ranges.meanR, [0.5, 1]);
 * assert.throws(
 *   () => parseRunJson("domain", { ranges: {} }, "runs/x/domain.json", "runs/x"),
 *   (err) =>
 *     err instanceof RunFileError && !err.missing &&
 *     err.message === 'runs/x/domain.json is not a usable domain.json ("ranges" names no statistic); ' +
 *         "run `deno task domain` or `deno task pipeline --run runs/x --from domain` again",
 * );
 * ```
 */
export function parseRunJson<K extends RunJsonKey>(key: K, value: unknown, file: string, run?: string): RunJson[K] {
  try {
    return PARSERS[key](value);
  } catch (err) {
    const what = (err as Error).message.replace(/^model card: /, "").replace(/; write the card again.*$/, "");
    throw new RunFileError(
      `${file} is not a usable ${RUN_FILES[key].path} (${what}); ${remedy(key, run)} again`,
      file,
      false,
    );
  }
}

/** Options of {@link readRunJsonAt} and {@link readRunJson}. */
export interface ReadOptions {
  /** Return `undefined` for a missing file instead of throwing (a malformed one still throws). */
  optional?: boolean;
}

/**
 * Reads and checks the JSON file `key` at an explicit path (a report passed by flag).
 *
 * @example
 * ```ts
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = await mkdtemp(join(tmpdir(), "reports-"));
 * const shift = await readRunJsonAt(join(dir, "shift.json"), "shift", { optional: true });
 * if (shift !== undefined) throw new Error("optional: a missing report is undefined");
 * await readRunJsonAt(join(dir, "shift.json"), "shift").catch((err) => {
 *   if (!(err instanceof RunFileError && err.missing)) throw err; // "… is missing (…); run `deno task shift` first"
 * });
 * ```
 */
export async function readRunJsonAt<K extends RunJsonKey>(
  file: string,
  key: K,
  options: ReadOptions & { run?: string } = {},
): Promise<RunJson[K] | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      if (options.optional) return undefined;
      throw new RunFileError(
        `${file} is missing (${RUN_FILES[key].holds}); ${remedy(key, options.run)} first`,
        file,
        true,
      );
    }
    throw new RunFileError(`cannot read ${file}: ${(err as Error).message}`, file, false);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RunFileError(
      `${file} is not JSON (${(err as Error).message}); ${remedy(key, options.run)} again`,
      file,
      false,
    );
  }
  return parseRunJson(key, value, file, options.run);
}

/**
 * Reads and checks a run folder's JSON file; throws {@link RunFileError} saying which step to
 * run when it is missing or malformed.
 *
 * @example
 * ```ts
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const run = await mkdtemp(join(tmpdir(), "run-"));
 * await writeFile(runPath(run, "domain"), JSON.stringify({ ranges: { meanR: [0.5, 1] } }));
 * const domain = await readRunJson(run, "domain");
 * const shift = await readRunJson(run, "shift", { optional: true }); // undefined: the shift step has not run
 * if (domain.ranges.meanR[0] !== 0.5 || shift !== undefined) throw new Error("read as written");
 * ```
 */
export function readRunJson<K extends RunJsonKey>(run: string, key: K): Promise<RunJson[K]>;
export function readRunJson<K extends RunJsonKey>(
  run: string,
  key: K,
  options: ReadOptions,
): Promise<RunJson[K] | undefined>;
export function readRunJson<K extends RunJsonKey>(
  run: string,
  key: K,
  options: ReadOptions = {},
): Promise<RunJson[K] | undefined> {
  return readRunJsonAt(runPath(run, key), key, { ...options, run });
}
