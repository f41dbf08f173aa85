/**
 * `scripts/evaluate.ts` (`deno task evaluate`) as a user runs it (`node --import tsx`), on
 * predictions written here.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../tests/helpers/run_script.ts";

Deno.test("evaluate CLI: --val-only scores, prints and writes val alone; without it test is there too", async () => {
  const dir = await mkdtemp(join(tmpdir(), "evaluate-cli-"));
  try {
    // 12 ALL and 12 normal images per split, logits that overlap a little
    const rows = ["val", "test"].flatMap((split) =>
      Array.from({ length: 24 }, (_, i) => ({
        path: `${split}/${i}.jpg`,
        split,
        label: i < 12 ? "all" : "normal",
        logit: i < 12 ? i - 1 : -(i - 12) + (split === "test" ? 3 : 1),
      }))
    );
    const preds = join(dir, "predictions.json");
    await writeFile(preds, JSON.stringify(rows));
    const both = await runScript("evaluate.ts", ["--predictions", preds, "--out", join(dir, "both.json")]);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /^\s+val\s+test$/m);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(join(dir, "both.json"), "utf8")).metrics), ["val", "test"]);
    const val = await runScript("evaluate.ts", ["--predictions", preds, "--out", join(dir, "val.json"), "--val-only"]);
    assert.equal(val.code, 0, val.stderr);
    assert.match(val.stdout, /^\s+val$/m);
    assert.doesNotMatch(val.stdout, /test/);
    const report = JSON.parse(await readFile(join(dir, "val.json"), "utf8"));
    assert.deepEqual(Object.keys(report.metrics), ["val"]);
    // the operating point is the same: chosen on val either way
    assert.equal(report.threshold, JSON.parse(await readFile(join(dir, "both.json"), "utf8")).threshold);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("evaluate CLI: --point evaluates at a folds report's fitted point, and refuses an ensemble built for other temperatures", async () => {
  const dir = await mkdtemp(join(tmpdir(), "evaluate-cli-"));
  try {
    const rows = ["val", "test"].flatMap((split) =>
      Array.from({ length: 8 }, (_, i) => ({
        path: `${split}/${i}.jpg`,
        split,
        label: i < 4 ? "all" : "normal",
        logit: [3, 2, 1, 0, -3, -2, -1, 0.5][i],
      }))
    );
    const preds = join(dir, "predictions.json"), point = join(dir, "folds.json");
    await writeFile(preds, JSON.stringify(rows));
    const fitted = {
      memberTemperatures: [1],
      temperature: 2,
      threshold: 1 / (1 + Math.exp(-0.5)), // logit 1 at T = 2: the ALL image at 1 is `all`, the one at 0 not
      reviewBand: [0.3, 0.8],
      rule: { targetSensitivity: 0.99, bandSensitivity: 0.995, bandSpecificity: 0.99 },
    };
    await writeFile(point, JSON.stringify({ pooled: { all: 1980, normal: 360 }, fitted }));
    const r = await runScript("evaluate.ts", [
      "--predictions",
      preds,
      "--out",
      join(dir, "eval.json"),
      "--point",
      point,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(await readFile(join(dir, "eval.json"), "utf8"));
    assert.equal(report.temperature, 2);
    assert.equal(report.threshold, fitted.threshold);
    assert.equal(report.operatingPoint.chosenOn, `out-of-fold: ${point} (2340 images)`);
    // ALL at logit 1 exactly at the threshold (`all`), at 0 under it; the normal at 0.5 under it too
    assert.deepEqual(report.metrics.test.confusion, { tp: 3, fn: 1, tn: 4, fp: 0 });
    // a refit (no val split): test alone at the point; without one there is nothing to fit on
    const testOnly = join(dir, "refit.json");
    await writeFile(testOnly, JSON.stringify(rows.filter((row) => row.split === "test")));
    const refit = await runScript("evaluate.ts", [
      "--predictions",
      testOnly,
      "--out",
      join(dir, "r.json"),
      "--point",
      point,
    ]);
    assert.equal(refit.code, 0, refit.stderr);
    assert.match(refit.stdout, /^\s+test$/m);
    const refitReport = JSON.parse(await readFile(join(dir, "r.json"), "utf8"));
    assert.deepEqual(Object.keys(refitReport.metrics), ["test"]);
    assert.deepEqual(refitReport.metrics.test.confusion, report.metrics.test.confusion);
    const unfit = await runScript("evaluate.ts", ["--predictions", testOnly, "--out", join(dir, "u.json")]);
    assert.equal(unfit.code, 1);
    assert.match(unfit.stderr, /no val predictions.*--point FILE/);
    // an ensemble whose graph divides by its members' own temperatures does not fit a 1-member point
    await writeFile(
      join(dir, "train_config.json"),
      JSON.stringify({ ensemble: [{ temperature: 0.3 }, { temperature: 0.5 }] }),
    );
    const bad = await runScript("evaluate.ts", [
      "--predictions",
      preds,
      "--out",
      join(dir, "x.json"),
      "--point",
      point,
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /does not fit .*predictions\.json: the point was fitted for 1 members, the run has 2/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
