import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { ModelCard } from "../../../model/core/mod.ts";
import type { SplitManifest } from "../data/split_manifest.ts";
import type { EvalReport } from "../metrics/report.ts";
import { cardFields, datasetNotes, oodLimits, type RunParts, shiftLimits, type StepReports } from "./card_fields.ts";
import { parseDomainCheck, parseDomainReport, parseShiftFile, parseTrainConfig } from "./run_folder.ts";

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
