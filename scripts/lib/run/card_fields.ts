/**
 * The model card's fields from a run folder and the step reports: what the quantize step puts in
 * the run's own cards (no reports yet) and what the card step puts in the cards it writes beside
 * the models (with the domain check, the shift, shift-suite and out-of-domain results and the
 * colour baseline). The core's `buildModelCard` then adds the hash and the date and validates.
 *
 * @module
 */
import type { ModelCardFields, PreprocessSpec } from "../../../model/core/mod.ts";
import type { SplitManifest } from "../data/split_manifest.ts";
import type { EvalReport } from "../metrics/report.ts";
import type {
  BaselineEval,
  DomainReport,
  ExportReport,
  OnnxExport,
  ShiftFile,
  SuiteFile,
  SuiteShare,
  TrainConfig,
} from "./run_folder.ts";
import type { DomainCheck } from "../../../model/core/mod.ts";
import { BACKBONES, isPretrained, type PretrainedArch } from "../models/backbones.ts";

/**
 * What a card says of a pretrained backbone: its name, the npm package, version and licence its
 * weights were read from, what they were trained on, and the layer the new head reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   [backboneCard("mobilenetv2").package, backboneCard("mobilenetv2").version, backboneCard("mobilenetv2").licence],
 *   ["nsfwjs", "4.4.0", "MIT"],
 * );
 * ```
 */
export function backboneCard(arch: PretrainedArch): Record<string, string | number> {
  const b = BACKBONES[arch];
  return {
    name: b.name,
    package: b.package,
    version: b.version,
    licence: b.licence,
    weights: b.weights,
    featureLayer: b.featureLayer,
    nativeSize: b.nativeSize,
  };
}

/** What the card takes from the run folder and its manifest. */
export interface RunParts {
  manifest: SplitManifest;
  /** SHA-256 of the manifest file's bytes. */
  manifestSha256: string;
  preprocess: PreprocessSpec;
  trainConfig: TrainConfig;
  /** Epochs trained (`history.json`'s length). */
  epochs: number;
  onnxExport: OnnxExport;
  exportReport: ExportReport;
}

/** The step reports that go into the card, each optional. */
export interface StepReports {
  /** `domain.json`: becomes the card's `domain`. */
  domain?: DomainCheck;
  /** `domain_report.json`: `metrics.outOfDomain` and its limits. */
  ood?: DomainReport;
  /** `shift.json`: `metrics.shift` and its limits. */
  shift?: ShiftFile;
  /** `colour_baseline/eval.json`: `metrics.colourBaselineTest`. */
  baseline?: BaselineEval;
  /** `suite.json`: `metrics.suite` ({@link suiteSummary}) and a limit when a shift misses a target. */
  suite?: SuiteFile;
}

/** Which card: the model's identity and file. */
export interface CardTarget {
  id: string;
  version: string;
  /** The `.onnx` file name beside the card. */
  file: string;
  precision: "float32" | "int8-qdq";
}

/** What the card says about a dataset it was trained on: the split's caveat and the first limits. */
export interface DatasetNotes {
  note: string;
  limits: string[];
}

/** Known datasets' notes, by the manifest's `dataset`. */
export const DATASET_NOTES: Readonly<Record<string, DatasetNotes>> = {
  taleqani: {
    note: "Split by contiguous file-number blocks per class (no patient ids): results on this dataset are optimistic.",
    limits: [
      "Trained on one lab's smears (Taleqani Hospital, Tehran; Zeiss camera, 100x, 224x224 fields): other optics, framings or stains than its shift results cover are outside its domain.",
      "The negative class is benign hematogones, not healthy mature lymphocytes.",
      "No patient ids in the data: the split is by file-number blocks, so reported metrics are optimistic.",
    ],
  },
};

/**
 * The notes for the manifest's dataset: the known ones from {@link DATASET_NOTES}, else a
 * caveat built from the manifest's split method.
 *
 * @example
 * ```ts
 * const split = { seed: 1, fractions: { train: 0.7, val: 0.15, test: 0.15 }, method: "contiguous blocks of 20" };
 * const notes = datasetNotes({ dataset: "folders", split });
 * if (!notes.limits[0].includes("folders")) throw new Error("names the dataset");
 * const newPatients = datasetNotes({ dataset: "taleqani", split: { ...split, method: "test = the highest-numbered blocks" } });
 * if (!newPatients.note.includes("never saw")) throw new Error("says the test block holds new patients");
 * ```
 */
export function datasetNotes(manifest: Pick<SplitManifest, "dataset" | "split">): DatasetNotes {
  const known = DATASET_NOTES[manifest.dataset];
  if (known && manifest.dataset === "taleqani" && /highest/.test(manifest.split.method)) {
    // the new-patient split: the test block is the highest file numbers, as an independent evaluator holds out
    return {
      note:
        "Split by file number (no patient ids): test = the highest-numbered ~15% of each class, validation = the block below, so test fields come mostly from patients the model never saw.",
      limits: known.limits.map((l) =>
        l.startsWith("No patient ids")
          ? "No patient ids in the data: the test block (highest file numbers) approximates new patients; a patient whose files straddle the block boundary can be on both sides."
          : l
      ),
    };
  }
  return known ?? {
    note: `Split: ${manifest.split.method}. Results on one dataset are optimistic for other labs.`,
    limits: [
      `Trained on one dataset (${manifest.dataset}): other optics, framings or stains are outside its domain, except where its shift results (when the card has them) show otherwise.`,
    ],
  };
}

/** The card's intended use (the product's, not the run's). */
export const INTENDED_USE =
  "A screening aid for acute lymphoblastic leukemia on peripheral blood smear images: it flags cells or fields for a qualified person, who verifies every call. Not a diagnosis.";

/**
 * Card limits from `domain_report.json`: how the model does on the other datasets checked, and
 * whether the input-domain check catches them. Checks of the training dataset itself are left out.
 *
 * @example
 * ```ts
 * const [limit] = oodLimits({ kind: "domain-fit", domain: { ranges: { meanR: [0.5, 1] } }, checks: [
 *   { manifest: "a.json", dataset: "taleqani", n: 399, flagged: 1 },
 *   { manifest: "b.json", dataset: "cnmc", n: 52, flagged: 52, model: { all: { sensitivity: 1, specificity: 0 } } },
 * ] }, "taleqani");
 * if (!limit.startsWith("Out of domain: on 52 cnmc images")) throw new Error(limit);
 * ```
 */
export function oodLimits(ood: DomainReport | undefined, trainedOn: string): string[] {
  return (ood?.checks ?? []).filter((c) => c.dataset !== trainedOn).map((c) => {
    const m = c.model?.all;
    const perf = m ? `sensitivity ${m.sensitivity.toFixed(2)}, specificity ${m.specificity.toFixed(2)}` : "not scored";
    return `Out of domain: on ${c.n} ${c.dataset} images it scores ${perf}; the input-domain check flags ${c.flagged} of ${c.n}, so the service answers "review" for them. Do not use it on that kind of image.`;
  });
}

/**
 * Card limits from `shift.json`: the grid's worst cells, and the shifts beyond it that move the answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ShiftFile } from "./run_folder.ts";
 * assert.deepEqual(shiftLimits(undefined), []); // no shift.json, no limit (nor from oodLimits without a report)
 * assert.deepEqual(oodLimits(undefined, "taleqani"), []);
 * const cell = (name: string, kind: string, sensitivity: number, specificity: number) =>
 *   ({ name, kind, sensitivity, specificity });
 * const model = {
 *   worst: { sensitivity: { value: 0.95, cell: "hue+5%" }, specificity: { value: 0.9, cell: "jpeg q50" } },
 *   maxDropPts: { sensitivity: 3, specificity: 5 },
 *   cells: [cell("identity", "identity", 0.98, 0.95), cell("brightness×0.7", "beyond", 0.8, 0.95)],
 * };
 * const shift = { kind: "shift-robustness", results: { model } } as unknown as ShiftFile;
 * const [grid, beyond] = shiftLimits(shift);
 * assert.match(grid, /worst sensitivity 0\.950 \(hue\+5%\), worst specificity 0\.900 \(jpeg q50\)/);
 * assert.match(beyond, /^Shifts beyond that grid that move its answers: brightness×0\.7: sensitivity 0\.800/);
 * ```
 */
export function shiftLimits(shift: ShiftFile | undefined): string[] {
  const m = shift?.results?.model;
  if (!m?.worst || !m.maxDropPts) return [];
  const w = m.worst, d = m.maxDropPts;
  const grid =
    `Stain/colour shift (test split; brightness ±10%, saturation ±30%, hue ±5%, JPEG q75/q50 and corners): ` +
    `worst sensitivity ${w.sensitivity.value.toFixed(3)} (${w.sensitivity.cell}), worst specificity ${
      w.specificity.value.toFixed(3)
    } (${w.specificity.cell}); ` +
    `largest drop ${d.sensitivity.toFixed(1)} / ${d.specificity.toFixed(1)} points.`;
  const fragile = (m.cells ?? []).filter((c) => c.kind === "beyond" && (c.sensitivity < 0.95 || c.specificity < 0.9));
  const beyond = fragile.map((c) =>
    `${c.name}: sensitivity ${c.sensitivity.toFixed(3)}, specificity ${c.specificity.toFixed(3)}` +
    (c.service
      ? ` (the input-domain check and review band send ${
        (c.service.reviewRate * 100).toFixed(0)
      }% to review; ${c.service.missedAll} ALL answered normal)`
      : "")
  );
  return [
    grid,
    ...(beyond.length > 0
      ? [
        `Shifts beyond that grid that move its answers: ${
          beyond.join("; ")
        }. Keep the camera's white balance on the slide background; recalibrate on a new lab's slides before use.`,
      ]
      : []),
  ];
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function compactShare(s: SuiteShare): SuiteShare {
  return {
    count: s.count,
    of: s.of,
    value: s.value === null ? null : round4(s.value),
    ci: s.ci && [round4(s.ci[0]), round4(s.ci[1])],
  };
}

/**
 * The card's `metrics.suite`: what the service answers under each shift of the acquisition shift
 * suite (`suite.json`), shares with counts and intervals (rounded to 4 decimals), the other
 * datasets' answers, the missed targets, and the split the test images come from (`splitMethod`,
 * the manifest's `split.method`: new patients or interleaved blocks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SuiteFile } from "./run_folder.ts";
 * const share = (count: number, of: number) => ({ count, of, value: count / of, ci: [0, 2 / 3] as [number, number] });
 * const row = { shift: "gamma 0.8", family: "gamma", n: { all: 3, normal: 3 }, allAnsweredNormal: share(0, 3),
 *   normalAnsweredNormal: share(2, 3), normalAnsweredAll: share(0, 3), review: share(1, 6), outOfDomain: share(0, 6),
 *   auroc: 0.888888 };
 * const suite = {
 *   kind: "shift-suite", data: { manifest: "m.json", dataset: "taleqani", split: "test", n: 6 },
 *   results: [row], misses: [{ shift: "gamma 0.8", missed: ["normal answered normal 66.7% < 85%"] }],
 *   withinTargets: false, checks: [],
 * } as SuiteFile;
 * const s = suiteSummary(suite, { split: { seed: 1, fractions: { train: 0.7, val: 0.15, test: 0.15 },
 *   method: "test = the highest-numbered blocks" } });
 * assert.equal(s.data.splitMethod, "test = the highest-numbered blocks");
 * assert.deepEqual(s.shifts[0].normalAnsweredNormal, { count: 2, of: 3, value: 0.6667, ci: [0, 0.6667] });
 * assert.equal(s.shifts[0].auroc, 0.8889);
 * assert.deepEqual(s.misses, suite.misses);
 * ```
 */
export function suiteSummary(suite: SuiteFile, manifest: Pick<SplitManifest, "split">) {
  return {
    data: {
      dataset: suite.data.dataset,
      split: suite.data.split,
      n: suite.data.n,
      splitMethod: manifest.split.method,
    },
    ...(suite.model?.sha256 ? { modelSha256: suite.model.sha256 } : {}),
    ...(suite.domain ? { domainFeatures: suite.domain.features } : {}),
    ...(suite.targets ? { targets: suite.targets } : {}),
    shifts: suite.results.map((r) => ({
      name: r.shift,
      family: r.family,
      n: r.n,
      allAnsweredNormal: compactShare(r.allAnsweredNormal),
      normalAnsweredNormal: compactShare(r.normalAnsweredNormal),
      normalAnsweredAll: compactShare(r.normalAnsweredAll),
      review: compactShare(r.review),
      outOfDomain: compactShare(r.outOfDomain),
      auroc: r.auroc === null ? null : round4(r.auroc),
    })),
    checks: suite.checks.map((c) => ({
      dataset: c.dataset,
      n: c.n,
      answered: c.answered,
      outOfDomain: c.outOfDomain,
      wrong: c.wrong,
      wrongShare: c.wrongShare === null ? null : round4(c.wrongShare),
    })),
    withinTargets: suite.withinTargets,
    misses: suite.misses.filter((m) => m.missed.length > 0),
  };
}

/**
 * Card limits from `suite.json`: the shifts of the suite that miss one of issue #13's targets
 * (none when every shift meets them, or without a suite report).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SuiteFile } from "./run_folder.ts";
 * assert.deepEqual(suiteLimits(undefined), []);
 * const misses = [{ shift: "identity", missed: [] }, { shift: "gamma 0.8", missed: ["review 12.0% > 10%"] }];
 * const [limit] = suiteLimits({ results: [{}, {}], misses, withinTargets: false } as unknown as SuiteFile);
 * assert.equal(limit, "Acquisition shift suite: 1 of 2 shifts miss a target: gamma 0.8 (review 12.0% > 10%).");
 * ```
 */
export function suiteLimits(suite: SuiteFile | undefined): string[] {
  const missed = (suite?.misses ?? []).filter((m) => m.missed.length > 0);
  if (!suite || missed.length === 0) return [];
  return [
    `Acquisition shift suite: ${missed.length} of ${suite.results.length} shifts miss a target: ${
      missed.map((m) => `${m.shift} (${m.missed.join("; ")})`).join(", ")
    }.`,
  ];
}

/**
 * The card's `metrics.evaluation`: an evaluation without its curves and reliability bins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluatePredictions } from "../metrics/report.ts";
 * import type { PredictionRow } from "../metrics/predictions.ts";
 * const preds: PredictionRow[] = Array.from({ length: 80 }, (_, i) => ({
 *   path: `cell-${i}.png`,
 *   split: i < 40 ? "val" : "test",
 *   label: i % 2 === 0 ? "all" : "normal",
 *   logit: (i % 2 === 0 ? 3 : -3) + ((i * 37) % 11) - 5,
 * }));
 * const evaluation = evaluatePredictions(preds, { resamples: 50 }); // e.g. export_report.json's int8
 * const summary = evaluationSummary(evaluation);
 * assert.equal(summary.test?.metrics.sensitivity, evaluation.metrics.test?.metrics.sensitivity);
 * assert.equal(summary.threshold, evaluation.threshold);
 * assert.ok(summary.val && !("curves" in summary.val) && !("reliability" in summary.val)); // no curve, no bins
 * ```
 */
export function evaluationSummary(r: EvalReport) {
  const side = (s: EvalReport["metrics"]["val"] | undefined) =>
    s && {
      n: s.n,
      positives: s.positives,
      negatives: s.negatives,
      confusion: s.confusion,
      metrics: s.metrics,
      ece: s.ece,
      review: s.review,
      perSubtype: s.perSubtype,
    };
  return {
    temperature: r.temperature,
    threshold: r.threshold,
    reviewBand: r.reviewBand,
    operatingPoint: r.operatingPoint,
    bootstrap: r.bootstrap,
    val: side(r.metrics.val),
    test: side(r.metrics.test),
  };
}

/**
 * The card's `architecture`: the network and its width, or an ensemble's members.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = { arch: "small-gap", width: 0.75 } as Parameters<typeof architectureName>[0];
 * assert.equal(architectureName(c), "small-gap (width 0.75)");
 * const ensemble = [{ run: "a", weight: 0.5, temperature: 1, colorMode: "relative-chroma" },
 *   { run: "b", weight: 0.5, temperature: 1, colorMode: "grey" }];
 * assert.equal(architectureName({ ...c, ensemble }),
 *   "ensemble of 2 × small-gap (width 0.75), the mean of their calibrated logits: relative-chroma, grey inputs");
 * ```
 */
export function architectureName(c: Pick<TrainConfig, "arch" | "width" | "ensemble">): string {
  const one = c.arch + (c.width !== 1 ? ` (width ${c.width})` : "");
  if (!c.ensemble) return one;
  const equal = c.ensemble.every((m) => Math.abs(m.weight - c.ensemble![0].weight) < 1e-9);
  return `ensemble of ${c.ensemble.length} × ${one}, the ${
    equal ? "mean" : "weighted mean"
  } of their calibrated logits: ` +
    `${c.ensemble.map((m) => m.colorMode).join(", ")} inputs`;
}

/**
 * A card's fields (all but the hash and the date) for one of the run's two models.
 *
 * @example Not run as a doc test: it needs a whole run folder's parts and reports (`card.ts` reads
 * them; `card_fields_test.ts` rebuilds the committed cards from theirs, field for field).
 * ```ts ignore
 * const fields = cardFields(parts, { domain, ood, shift, baseline, suite },
 *   { id: "all-screen", version: "5.0.0", file: "all-v5.int8.onnx", precision: "int8-qdq" });
 * const card = await buildModelCard(fields, int8Bytes);
 * ```
 */
export function cardFields(run: RunParts, reports: StepReports, target: CardTarget): ModelCardFields {
  const { manifest, trainConfig, onnxExport, exportReport } = run;
  const io = onnxExport.io;
  const notes = datasetNotes(manifest);
  const evaluation = target.precision === "float32" ? exportReport.float : exportReport.int8;
  const subtypes = io.subtypeLogits ? manifest.subtypes : undefined;
  const { domain, ood, shift, baseline, suite } = reports;
  return {
    id: target.id,
    version: target.version,
    opset: onnxExport.opset,
    architecture: architectureName(trainConfig),
    ...(isPretrained(trainConfig.arch) ? { backbone: backboneCard(trainConfig.arch) } : {}),
    io,
    preprocess: run.preprocess,
    labels: ["normal", "all"],
    positiveLabel: "all",
    ...(subtypes ? { subtypes } : {}),
    data: {
      datasets: [manifest.dataset],
      manifestSha256: run.manifestSha256,
      split: manifest.split,
      counts: manifest.counts,
      note: notes.note,
    },
    training: { config: trainConfig, epochs: run.epochs },
    intendedUse: INTENDED_USE,
    limits: [...notes.limits, ...oodLimits(ood, manifest.dataset), ...shiftLimits(shift), ...suiteLimits(suite)],
    file: target.file,
    precision: target.precision,
    temperature: evaluation.temperature,
    threshold: evaluation.threshold,
    reviewBand: evaluation.reviewBand,
    ...(domain ? { domain } : {}),
    metrics: {
      evaluation: evaluationSummary(evaluation),
      quantization: exportReport.quantization,
      ...(baseline?.metrics?.test ? { colourBaselineTest: baseline.metrics.test.metrics } : {}),
      ...(shift ? { shift } : {}),
      ...(ood ? { outOfDomain: ood } : {}),
      ...(suite ? { suite: suiteSummary(suite, manifest) } : {}),
    },
  };
}
