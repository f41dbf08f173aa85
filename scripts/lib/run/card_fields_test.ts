import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { ModelCard } from "../../../model/core/mod.ts";
import type { SplitManifest } from "../data/split_manifest.ts";
import type { EvalReport } from "../metrics/report.ts";
import {
  cardFields,
  datasetNotes,
  oodLimits,
  type RunParts,
  shiftLimits,
  type StepReports,
  type suiteSummary,
} from "./card_fields.ts";
import { parseDomainCheck, parseDomainReport, parseShiftFile, parseSuiteFile, parseTrainConfig } from "./run_folder.ts";

/** The run parts and step reports a committed card was written from, recovered from the card itself. */
function partsOf(card: ModelCard): { run: RunParts; reports: StepReports } {
  const data = card.data as { manifestSha256: string; split: SplitManifest["split"]; counts: SplitManifest["counts"] };
  const metrics = card.metrics as Record<string, unknown> & { evaluation: Record<string, unknown> };
  const training = card.training as { config: unknown; epochs: number };
  const ev = metrics.evaluation as Record<string, unknown> & { val: unknown; test: unknown };
  const evaluation = { ...ev, metrics: { val: ev.val, test: ev.test } } as unknown as EvalReport;
  return {
    run: {
      manifest: {
        dataset: (card.data as { datasets: string[] }).datasets[0],
        split: data.split,
        counts: data.counts,
        subtypes: card.subtypes,
      } as SplitManifest,
      manifestSha256: data.manifestSha256,
      preprocess: card.preprocess,
      trainConfig: parseTrainConfig(training.config),
      epochs: training.epochs,
      onnxExport: {
        kind: "onnx-export",
        created: card.created,
        checkpoint: "best",
        opset: card.opset,
        io: card.io,
        floatBytes: 0,
        parity: { images: 32, maxAbsLogitDiff: 0, tolerance: 1e-4 },
      },
      exportReport: {
        quantization: metrics.quantization as RunParts["exportReport"]["quantization"],
        float: evaluation,
        int8: evaluation,
      },
    },
    reports: {
      domain: parseDomainCheck(card.domain),
      ood: parseDomainReport(metrics.outOfDomain),
      shift: parseShiftFile(metrics.shift),
      baseline: { metrics: { test: { metrics: metrics.colourBaselineTest } } } as unknown as StepReports["baseline"],
    },
  };
}

for (const name of ["all-v4.int8", "all-v4.float"]) {
  Deno.test(`cardFields rebuilds the committed ${name} card from its parts, field for field and in order`, async () => {
    const card = JSON.parse(await readFile(`model/${name}.json`, "utf8")) as ModelCard;
    const { run, reports } = partsOf(card);
    const fields = cardFields(run, reports, {
      id: card.id,
      version: card.version,
      file: card.file,
      precision: card.precision,
    });
    const { sha256: _s, created: _c, ...expected } = card;
    assert.equal(JSON.stringify(fields), JSON.stringify(expected));
  });
}

Deno.test("cardFields without step reports: no domain check, no report limits or metrics (the run's own cards)", async () => {
  const card = JSON.parse(await readFile("model/all-v4.int8.json", "utf8")) as ModelCard;
  const { run } = partsOf(card);
  const fields = cardFields(run, {}, {
    id: "all-screen",
    version: "0.1.0",
    file: "model.int8.onnx",
    precision: "int8-qdq",
  });
  assert.equal(fields.domain, undefined);
  assert.deepEqual(Object.keys(fields.metrics!), ["evaluation", "quantization"]);
  assert.deepEqual(fields.limits, datasetNotes(run.manifest).limits);
  assert.equal(fields.file, "model.int8.onnx");
});

Deno.test("the dataset comes from the run: its own checks are not out-of-domain limits, other datasets get generic notes", () => {
  const ood = parseDomainReport({
    kind: "domain-fit",
    domain: { ranges: { meanR: [0.5, 1] } },
    checks: [
      { manifest: "a.json", dataset: "cnmc", n: 10, flagged: 9 },
      { manifest: "b.json", dataset: "taleqani", n: 52, flagged: 52 },
    ],
  });
  assert.deepEqual(oodLimits(ood, "cnmc").map((l) => l.slice(0, 34)), ["Out of domain: on 52 taleqani imag"]);
  assert.match(oodLimits(ood, "taleqani")[0], /on 10 cnmc images it scores not scored; .* flags 9 of 10/);
  const notes = datasetNotes({
    dataset: "cnmc",
    split: { seed: 1, fractions: { train: 1, val: 0, test: 0 }, method: "by subject" },
  });
  assert.match(notes.note, /Split: by subject/);
  assert.match(notes.limits[0], /\(cnmc\)/);
  assert.deepEqual(shiftLimits(undefined), []);
});

Deno.test("cardFields with suite.json: metrics.suite last (old cards unchanged), the split method, a limit per miss", async () => {
  const card = JSON.parse(await readFile("model/all-v4.int8.json", "utf8")) as ModelCard;
  const { run, reports } = partsOf(card);
  const share = (count: number, of: number) => ({
    count,
    of,
    value: count / of,
    ci: [0.1, 0.123456] as [number, number],
  });
  const row = {
    shift: "identity",
    family: "identity",
    n: { all: 3, normal: 3 },
    allAnsweredNormal: share(0, 3),
    normalAnsweredNormal: share(3, 3),
    normalAnsweredAll: share(0, 3),
    review: share(0, 6),
    outOfDomain: share(0, 6),
    auroc: 1,
  };
  const suite = parseSuiteFile({
    kind: "shift-suite",
    model: { path: "runs/x/model.int8.onnx", id: "all-screen", version: "5.0.0", sha256: "ab".repeat(32) },
    data: { manifest: "runs/np/manifest.json", dataset: "taleqani", split: "test", n: 6 },
    domain: { fromCard: false, features: true },
    results: [row, { ...row, shift: "hsl-lightness ×0.90", family: "hsl-lightness", review: share(1, 6) }],
    misses: [{ shift: "identity", missed: [] }, { shift: "hsl-lightness ×0.90", missed: ["review 16.7% > 10%"] }],
    withinTargets: false,
    checks: [{
      manifest: "runs/cnmc_subset/manifest.json",
      dataset: "cnmc",
      n: 99,
      answered: { all: 40, normal: 9, review: 50 },
      outOfDomain: 50,
      wrong: 3,
      wrongShare: 3 / 99,
      summary: row,
    }],
  });
  const fields = cardFields(run, { ...reports, suite }, {
    id: card.id,
    version: card.version,
    file: card.file,
    precision: card.precision,
  });
  const metrics = fields.metrics as Record<string, unknown>, limits = fields.limits as string[];
  assert.deepEqual(Object.keys(metrics).slice(-2), ["outOfDomain", "suite"]);
  const s = metrics.suite as ReturnType<typeof suiteSummary>;
  assert.equal(s.data.splitMethod, run.manifest.split.method);
  assert.equal(s.modelSha256, "ab".repeat(32));
  assert.equal(s.domainFeatures, true);
  assert.deepEqual(s.shifts[1].review, { count: 1, of: 6, value: 0.1667, ci: [0.1, 0.1235] });
  assert.deepEqual(s.checks, [{
    dataset: "cnmc",
    n: 99,
    answered: { all: 40, normal: 9, review: 50 },
    outOfDomain: 50,
    wrong: 3,
    wrongShare: 0.0303,
  }]);
  assert.deepEqual(s.misses, [{ shift: "hsl-lightness ×0.90", missed: ["review 16.7% > 10%"] }]);
  assert.equal(
    limits.at(-1),
    "Acquisition shift suite: 1 of 2 shifts miss a target: hsl-lightness ×0.90 (review 16.7% > 10%).",
  );
  assert.equal(limits.length, card.limits!.length + 1);
});
