/**
 * The feedback loop into a recalibration: the portal posts images and the reviewer's labels with
 * the lab's case keys (`POST /v1/feedback`), the export is ingested against the lab's folder
 * (`deno task ingest`), and `deno task recalibrate --manifest` reads the cases as patients.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { buildAddition, parseExport } from "../scripts/ingest_feedback.ts";
import { sha256File } from "../scripts/lib/data/files.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";
import { makeLab } from "./helpers/lab_folder.ts";
import { runScript } from "./helpers/run_script.ts";

Deno.test("feedback → ingest → recalibrate: reviewer labels with case ids (feedback → ingest) are a lab with patients", async () => {
  const dir = await mkdtemp(join(tmpdir(), "recalibrate-feedback-"));
  try {
    const lab = join(dir, "lab");
    const files = await makeLab(lab);
    // the portal posts each image, then the reviewer's label with the lab's case key
    const app = createApp({ model: fakeRuntime(), config: loadConfig({}), log: () => {} });
    const byFile = new Map<string, string>();
    for (const label of ["all", "normal"] as const) {
      for (const [i, file] of files[label].entries()) {
        const p = await (await app.request("/v1/predict", { method: "POST", body: await readFile(file) })).json();
        const res = await app.request("/v1/feedback", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ requestId: p.requestId, label, caseId: `${label}-case-${i >> 1}` }),
        });
        assert.equal(res.status, 201);
        assert.equal((await res.json()).caseId, `${label}-case-${i >> 1}`);
        byFile.set(await sha256File(file), file.slice(lab.length + 1));
      }
    }
    const bad = await app.request("/v1/feedback", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputSha256: [...byFile.keys()][0], label: "all", caseId: "Jane Roe, MRN 123" }),
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, "invalid_feedback");
    // the export, ingested against the lab's folder: one group per case
    const records = parseExport(await (await app.request("/v1/feedback")).text());
    const addition = buildAddition(records, byFile, lab, { split: "train" });
    assert.equal(addition.items.length, 12);
    assert.deepEqual([...new Set(addition.items.map((i) => i.group))].sort(), [
      "case:all-case-0",
      "case:all-case-1",
      "case:all-case-2",
      "case:normal-case-0",
      "case:normal-case-1",
      "case:normal-case-2",
    ]);
    const file = join(dir, "addition.json");
    await writeFile(file, JSON.stringify(addition));
    // the lab's images as a manifest, scored without writing a card
    const recalibrate = (...extra: string[]) =>
      runScript("recalibrate.ts", [
        "--manifest",
        file,
        "--lab",
        "Lab A",
        "--dry-run",
        "--min-per-class",
        "6",
        ...extra,
      ]);
    const run = await recalibrate("--folds", "3");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^6 ALL and 6 normal images, 6 cases, /);
    assert.match(run.stdout, /^\| refitted, cross-validated by patient \|/m);
    assert.doesNotMatch(run.stdout, /no patient ids/);
    // without case ids, every image is its own unit, and the tool says so
    const loose = buildAddition(records.map(({ caseId: _, ...r }) => r), byFile, lab, { split: "train" });
    await writeFile(file, JSON.stringify(loose));
    const run2 = await recalibrate();
    assert.equal(run2.code, 0, run2.stderr);
    assert.match(run2.stderr, /12 of 12 images have no case id/);
    assert.match(run2.stdout, /^6 ALL and 6 normal images, 12 units \(no patient ids\), /);
    assert.match(run2.stdout, /warning: no patient ids: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
