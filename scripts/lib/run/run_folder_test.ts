import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelCard } from "../../../model/core/mod.ts";
import type { Share, ShiftAnswers, SuiteTargets } from "../shift_suite/answers.ts";
import {
  parseDomainCheck,
  parseDomainReport,
  parseEvalReport,
  parseExportReport,
  parseHistory,
  parseLoopState,
  parseOnnxExport,
  parsePreprocessSpec,
  parseRunJson,
  parseShiftFile,
  parseSuiteFile,
  parseTrainConfig,
  readRunJson,
  readRunJsonAt,
  RUN_FILES,
  RunFileError,
  runPath,
  STEPS,
  type SuiteResult,
  type SuiteShare,
  type SuiteTargetValues,
} from "./run_folder.ts";

const spec = {
  size: 96,
  crop: "none",
  resize: "area",
  normalization: { mode: "per-image", minStd: 0.01 },
  channelOrder: "RGB",
  alphaBackground: 0,
  colorMode: "relative-chroma",
};
const evaluation = { version: 1, temperature: 0.7, threshold: 0.18, reviewBand: [0.05, 0.5], metrics: { val: {} } };

Deno.test("every run file has one path, written by a pipeline step", () => {
  const paths = Object.values(RUN_FILES).map((f) => f.path);
  assert.equal(new Set(paths).size, paths.length);
  for (const f of Object.values(RUN_FILES)) assert.ok(STEPS.includes(f.step), f.path);
  assert.equal(runPath("runs/x", "loopState"), join("runs/x", "last", "state.json"));
  assert.equal(runPath("runs/x", "baselineEval"), join("runs/x", "colour_baseline", "eval.json"));
});

Deno.test("the committed all-v4 card's embedded step reports and training config parse as run files", async () => {
  const card = JSON.parse(await readFile("model/all-v4.int8.json", "utf8")) as ModelCard;
  const metrics = card.metrics as Record<string, unknown>;
  const config = parseTrainConfig((card.training as { config: unknown }).config);
  assert.equal(config.dataset, "taleqani");
  assert.equal(config.width, 0.75);
  assert.equal(parseDomainCheck(card.domain), card.domain, "returns the value itself");
  assert.equal(parseDomainReport(metrics.outOfDomain).checks.length, 2);
  assert.equal(parseShiftFile(metrics.shift).results.model.worst.sensitivity.cell, "jpeg q75");
  assert.equal(parsePreprocessSpec(card.preprocess).size, 96);
});

Deno.test("parsers name what is wrong", () => {
  assert.throws(() => parsePreprocessSpec({ ...spec, resize: "bilinear" }), /"preprocess.resize" must be "area"/);
  const config = {
    arch: "small-gap",
    width: 1,
    epochs: 2,
    seed: 1,
    dataset: "folders",
    root: "/data",
    subtypes: [],
    spec,
  };
  assert.equal(parseTrainConfig(config), config);
  assert.throws(() => parseTrainConfig({ ...config, dataset: undefined }), /"dataset" must be a non-empty string/);
  assert.throws(() => parseTrainConfig({ ...config, subtypes: "x" }), /"subtypes" must be a list/);
  assert.throws(() => parseTrainConfig({ ...config, spec: { ...spec, size: 2 } }), /"spec.size" must be an integer/);
  assert.throws(() => parseHistory([{ epoch: 2, val: {} }]), /row 0 has "epoch" 2, expected 1/);
  assert.throws(() => parseHistory({}), /JSON array/);
  assert.throws(
    () => parseLoopState({ epoch: 1, bestEpoch: -2, badEpochs: 0, adamT: 3 }),
    /"bestEpoch" must be an integer ≥ -1/,
  );
  assert.throws(() => parseEvalReport({ ...evaluation, version: 2 }), /"version" must be 1/);
  assert.throws(() => parseEvalReport({ ...evaluation, reviewBand: [0.5, 0.1] }), /"reviewBand"/);
  // a refit (no val split) is evaluated at an out-of-fold point, on test alone; nothing else may lack val
  const refit = {
    ...evaluation,
    operatingPoint: { chosenOn: "out-of-fold: f.json (2340 images)" },
    metrics: { test: {} },
  };
  assert.equal(parseEvalReport(refit), refit);
  assert.throws(
    () => parseEvalReport({ ...refit, operatingPoint: { chosenOn: "val" } }),
    /"metrics.val" is missing, which only an evaluation at an out-of-fold point may leave out/,
  );
  assert.throws(() => parseEvalReport({ ...refit, metrics: {} }), /"metrics.test" must be a JSON object/);
  assert.equal(parseHistory([{ epoch: 1, val: null }, { epoch: 2, val: null }]).length, 2);
  assert.throws(() => parseHistory([{ epoch: 1, val: 3 }]), /row 0's "val" must be a JSON object/);
  assert.throws(() => parseExportReport({ quantization: {}, float: evaluation, int8: evaluation }), /"floatBytes"/);
  assert.throws(
    () =>
      parseOnnxExport({
        kind: "onnx-export",
        checkpoint: "best",
        opset: 17,
        floatBytes: 1,
        io: { input: "image" },
        parity: { images: 1, maxAbsLogitDiff: 0, tolerance: 1e-4 },
      }),
    /"logit" must be a non-empty string/,
  );
  assert.throws(() => parseDomainCheck({ ranges: { meanR: [1, 0] } }), /"ranges.meanR" must be \[min, max\]/);
  assert.throws(() => parseDomainReport({ kind: "shift-robustness" }), /"kind" must be "domain-fit"/);
  assert.throws(() => parseShiftFile({ kind: "shift-robustness", results: {} }), /"results.model" must be/);
});

Deno.test("parseRunJson wraps a parser's complaint with the file and the step to re-run", () => {
  assert.throws(
    () => parseRunJson("eval", { version: 2 }, "runs/x/eval.json", "runs/x"),
    (err: unknown) =>
      err instanceof RunFileError && !err.missing &&
      err.message ===
        'runs/x/eval.json is not a usable eval.json ("version" must be 1 (an evaluation from scripts/lib/metrics/report.ts)); ' +
          "run `deno task evaluate` or `deno task pipeline --run runs/x --from evaluate` again",
  );
  assert.throws(
    () => parseRunJson("int8Card", { id: "x" }, "runs/x/model.int8.json"),
    /runs\/x\/model.int8.json is not a usable model.int8.json \("version" must be a non-empty string\); run `deno task quantize` again/,
  );
});

Deno.test("readRunJson: a missing file says which step writes it; a malformed one says to re-run it", async () => {
  const run = await mkdtemp(join(tmpdir(), "run-folder-"));
  try {
    await assert.rejects(
      readRunJson(run, "shift"),
      (err: unknown) =>
        err instanceof RunFileError && err.missing && err.file === runPath(run, "shift") &&
        err.message.includes("is missing (the stain/JPEG shift report") &&
        err.message.includes(`run \`deno task shift\` or \`deno task pipeline --run ${run} --from shift\` first`),
    );
    assert.equal(await readRunJson(run, "shift", { optional: true }), undefined);

    await writeFile(runPath(run, "trainConfig"), "{ not json");
    await assert.rejects(readRunJson(run, "trainConfig", { optional: true }), /is not JSON .*--from train`? again/);

    await mkdir(runPath(run, "last"), { recursive: true });
    const state = { epoch: 3, bestEpoch: 1, bestScore: 0.9, bestLoss: 0.2, badEpochs: 1, seconds: 12, adamT: 30 };
    await writeFile(runPath(run, "loopState"), JSON.stringify(state));
    assert.deepEqual(await readRunJson(run, "loopState"), state);

    const elsewhere = join(run, "other-domain.json");
    await writeFile(elsewhere, JSON.stringify({ ranges: {} }));
    await assert.rejects(readRunJsonAt(elsewhere, "domain"), /other-domain.json is not a usable domain.json/);
  } finally {
    await rm(run, { recursive: true });
  }
});

// suite.json's types are spelled out in run_folder.ts (the trainer reaches it and must never reach
// the suite): they must stay the suite's own. A mismatch fails `deno check`/`deno test` here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShare: Same<SuiteShare, Share> = true;
const _sameResult: Same<SuiteResult, ShiftAnswers> = true;
const _sameTargets: Same<SuiteTargetValues, SuiteTargets> = true;

const share = (count: number, of: number) => ({ count, of, value: of ? count / of : null, ci: null });
const result = {
  shift: "identity",
  family: "identity",
  n: { all: 3, normal: 2 },
  allAnsweredNormal: share(0, 3),
  normalAnsweredNormal: share(2, 2),
  normalAnsweredAll: share(0, 2),
  review: share(1, 5),
  outOfDomain: share(0, 5),
  auroc: 1,
};
const suite = {
  kind: "shift-suite",
  data: { manifest: "m.json", dataset: "taleqani", split: "test", n: 5 },
  results: [result, { ...result, shift: "gamma 0.8", family: "gamma", auroc: null }],
  misses: [{ shift: "identity", missed: ["review 20.0% > 5%"] }, { shift: "gamma 0.8", missed: [] }],
  withinTargets: false,
  checks: [{
    manifest: "c.json",
    dataset: "cnmc",
    n: 4,
    answered: { all: 1, normal: 1, review: 2 },
    outOfDomain: 2,
    wrong: 0,
    wrongShare: 0,
  }],
};

Deno.test("parseSuiteFile: suite.json as evaluate_suite.ts writes it, and what is wrong otherwise", () => {
  assert.equal(parseSuiteFile(suite), suite, "returns the value itself");
  assert.equal(parseSuiteFile(suite).results[1].auroc, null, "one class only: no AUROC");
  assert.throws(() => parseSuiteFile({ ...suite, kind: "shift-robustness" }), /"kind" must be "shift-suite"/);
  assert.throws(() => parseSuiteFile({ ...suite, results: [] }), /"results" must be a non-empty list/);
  assert.throws(
    () => parseSuiteFile({ ...suite, results: [{ ...result, review: { ...share(1, 5), value: 1.2 } }] }),
    /results\[0\]: "review": "value" must be in \[0, 1\] or null/,
  );
  assert.throws(
    () => parseSuiteFile({ ...suite, results: [{ ...result, outOfDomain: undefined }] }),
    /results\[0\]: "outOfDomain" must be a JSON object/,
  );
  assert.throws(() => parseSuiteFile({ ...suite, misses: [{ shift: "identity" }] }), /"misses" must be a list/);
  assert.throws(() => parseSuiteFile({ ...suite, withinTargets: "yes" }), /"withinTargets" must be true or false/);
  assert.throws(
    () => parseSuiteFile({ ...suite, checks: [{ ...suite.checks[0], answered: { all: 1, normal: 1 } }] }),
    /checks\[0\]: "review" must be a whole number/,
  );
  assert.throws(
    () => parseRunJson("suite", { ...suite, withinTargets: 1 }, "runs/x/suite.json", "runs/x"),
    (err: unknown) =>
      err instanceof RunFileError && !err.missing &&
      err.message ===
        'runs/x/suite.json is not a usable suite.json ("withinTargets" must be true or false); ' +
          "run `deno task suite` or `deno task pipeline --run runs/x --from suite` again",
  );
});
