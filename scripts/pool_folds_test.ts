/**
 * `scripts/pool_folds.ts` (`deno task folds`) as a user runs it (`node --import tsx`), on two fold
 * runs written here: their predictions, evaluations and `--fold K/2` manifests.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../tests/helpers/run_script.ts";

const folds = (args: string[]) => runScript("pool_folds.ts", args);

/** A trainer's history.json whose best epoch (by val) is `best` of `epochs`; val loss epoch / 100. */
function history(best: number, epochs: number) {
  return Array.from(
    { length: epochs },
    (_, i) => ({ epoch: i + 1, val: { loss: (i + 1) / 100 }, best: i + 1 <= best && i % 2 === 0 || i + 1 === best }),
  );
}

/**
 * Fold k of 2: val is its own 8 images (4 ALL at logits −1, 2, 3, 4, 4 normal at −4, −3, −2, 1;
 * fold 2 shifted +1.5), test the same 2; best epoch 4 of 9 (fold 1) or 7 of 12 (fold 2).
 */
async function writeFold(
  dir: string,
  k: number,
  testPaths = ["t/all.jpg", "t/normal.jpg"],
): Promise<{ run: string; manifest: string }> {
  const run = join(dir, `f${k}`, "run"), manifest = join(dir, `f${k}`, "manifest.json");
  await mkdir(run, { recursive: true });
  const shift = k === 2 ? 1.5 : 0;
  const val = [-1, 2, 3, 4, -4, -3, -2, 1].map((logit, i) => ({
    path: `f${k}/${i < 4 ? "all" : "normal"}${i}.jpg`,
    label: i < 4 ? "all" : "normal",
    logit: logit + shift,
    group: `f${k}:${i >> 1}`,
  }));
  const test = testPaths.map((path) => ({
    path,
    label: path.includes("all") ? "all" : "normal",
    logit: 0,
    group: "t:0",
  }));
  const items = [
    ...val.map((v) => ({
      path: v.path,
      label: v.label,
      group: v.group,
      split: "val",
      view: "original",
      sha256: "0".repeat(64),
    })),
    ...test.map((v) => ({
      path: v.path,
      label: v.label,
      group: v.group,
      split: "test",
      view: "original",
      sha256: "0".repeat(64),
    })),
  ];
  await writeFile(
    manifest,
    JSON.stringify({
      version: 1,
      dataset: "taleqani",
      root: dir,
      created: "2026-12-05T00:00:00Z",
      split: { seed: 1, fractions: { train: 0.425, val: 0.425, test: 0.15 }, method: `fold ${k} of 2` },
      counts: {},
      items,
    }),
  );
  await writeFile(
    join(run, "predictions.json"),
    JSON.stringify([
      ...val.map((v) => ({ path: v.path, split: "val", label: v.label, logit: v.logit })),
      ...test.map((v) => ({ path: v.path, split: "test", label: v.label, logit: v.logit })),
    ]),
  );
  await writeFile(join(run, "history.json"), JSON.stringify(k === 1 ? history(4, 9) : history(7, 12)));
  await writeFile(
    join(run, "eval.json"),
    JSON.stringify({ version: 1, temperature: 1, threshold: 0.5, reviewBand: [0.5, 0.5], metrics: { val: {} } }),
  );
  return { run, manifest };
}

Deno.test("folds CLI: every fold on its own and across, pooled with intervals, the JSON report written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "folds-cli-"));
  try {
    const a = await writeFold(dir, 1), b = await writeFold(dir, 2);
    const out = join(dir, "report.json");
    const r = await folds(["--runs", `${a.run},${b.run}`, "--manifests", `${a.manifest},${b.manifest}`, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 folds, 16 out-of-fold images \(8 ALL, 8 normal\)/);
    assert.match(r.stdout, /threshold at sensitivity 0\.99, review band from sensitivity 0\.999 to specificity 0\.99/);
    // own (threshold 0.5, no band): fold 1's ALL at −1 answered `normal`, its normal at 1 `all`
    assert.match(
      r.stdout,
      /f1\/run \| own block \(in-sample\) \| 25\.0% \(1\/4\) \| 75\.0% \(3\/4\) \| 25\.0% \(1\/4\) \| 0\.0% \(0\/8; ALL 0\.0%, benign 0\.0%\)/,
    );
    // across: fold 2 answered with fold 1's point (`normal` below logit −1, review [−1, 1], `all`
    // above): its normals at −2.5, −1.5 `normal`, −0.5 review, 2.5 `all`
    const report = JSON.parse(await readFile(out, "utf8"));
    assert.equal(report.across.length, 2);
    assert.equal(report.pooled.all, 8);
    const f2 = report.across[1];
    assert.deepEqual(
      [f2.allAnsweredNormal, f2.normalAnsweredNormal, f2.normalAnsweredAll, f2.review],
      [0, 2, 1, 2],
      JSON.stringify(f2),
    );
    assert.equal(report.pooled.intervals.review.length, 2);
    // a refit trains each member for the median of its folds' best epochs, rounded up: (4 + 7) / 2
    // and the val loss it gives up on each fold: epoch 4 → 6 on fold 1, 7 → 6 on fold 2
    assert.deepEqual(report.refit, {
      bestEpochs: [[4, 7]],
      stopEpochs: [6],
      valLoss: { atBest: [[0.04, 0.07]], atStop: [[0.06, 0.06]] },
    });
    assert.match(r.stdout, /refit on every non-test image \(prepare --val 0\): train --stop-epoch 6 /);
    assert.match(r.stdout, /at the best epoch → at the stop epoch: 0\.040→0\.060 0\.070→0\.060\n/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("folds CLI: refuses folds with different test blocks, a run paired with another fold's manifest, and uneven lists", async () => {
  const dir = await mkdtemp(join(tmpdir(), "folds-cli-"));
  try {
    const a = await writeFold(dir, 1), b = await writeFold(dir, 2, ["t/all.jpg", "t/other.jpg"]);
    const other = await folds(["--runs", `${a.run},${b.run}`, "--manifests", `${a.manifest},${b.manifest}`]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /holds out another test block than .*f1\/manifest\.json/);
    const c = await writeFold(join(dir, "c"), 2);
    const swapped = await folds(["--runs", `${a.run},${c.run}`, "--manifests", `${a.manifest},${a.manifest}`]);
    assert.equal(swapped.code, 1);
    assert.match(
      swapped.stderr,
      /f2\/all0\.jpg is val in its predictions but not in .*; pair each run with its own manifest/,
    );
    const uneven = await folds(["--runs", `${a.run},${c.run}`, "--manifests", a.manifest]);
    assert.equal(uneven.code, 2);
    assert.match(uneven.stderr, /--manifests needs one manifest per run \(2\), got 1/);
    const rule = await folds([
      "--runs",
      `${a.run},${c.run}`,
      "--manifests",
      `${a.manifest},${a.manifest}`,
      "--band-sensitivity",
      "0.3",
    ]);
    assert.equal(rule.code, 2);
    assert.match(rule.stderr, /--band-sensitivity/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A second member beside `run`: the same val images, logits × `scale` (no eval.json: members need none). */
async function writeMember(run: string, scale: number): Promise<string> {
  const rows = JSON.parse(await readFile(join(run, "predictions.json"), "utf8"));
  const member = `${run}2`;
  await mkdir(member, { recursive: true });
  await writeFile(
    join(member, "predictions.json"),
    JSON.stringify(rows.map((r: { logit: number }) => ({ ...r, logit: r.logit * scale }))),
  );
  const best = JSON.parse(await readFile(join(run, "history.json"), "utf8")).length; // its last epoch
  await writeFile(join(member, "history.json"), JSON.stringify(history(best, best)));
  return member;
}

Deno.test("folds CLI: an ensemble recipe's folds as members joined by +, every temperature fitted across", async () => {
  const dir = await mkdtemp(join(tmpdir(), "folds-cli-"));
  try {
    const a = await writeFold(dir, 1), b = await writeFold(dir, 2);
    const a2 = await writeMember(a.run, 3), b2 = await writeMember(b.run, 3);
    const out = join(dir, "report.json");
    const r = await folds([
      "--runs",
      `${a.run}+${a2},${b.run}+${b2}`,
      "--manifests",
      `${a.manifest},${b.manifest}`,
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 folds, 16 out-of-fold images/);
    assert.match(
      r.stdout,
      /fitted on every fold \(16 images\): member temperatures \d+\.\d{3}, \d+\.\d{3}, temperature/,
    );
    // member 2 is member 1 × 3, so the pair answers as member 1 alone: fold 2 across as above
    const report = JSON.parse(await readFile(out, "utf8"));
    const f2 = report.across[1];
    assert.deepEqual([f2.allAnsweredNormal, f2.normalAnsweredNormal, f2.normalAnsweredAll, f2.review], [0, 2, 1, 2]);
    // member 2 stopped (patience) at epoch 9 on fold 1, before its stop epoch 11: read there
    assert.deepEqual(report.refit, {
      bestEpochs: [[4, 7], [9, 12]],
      stopEpochs: [6, 11],
      valLoss: { atBest: [[0.04, 0.07], [0.09, 0.12]], atStop: [[0.06, 0.06], [0.09, 0.11]] },
    });
    assert.match(r.stdout, /train --stop-epoch 6 \/ 11 /);
    const [t1, t2] = report.fitted.memberTemperatures;
    assert.ok(Math.abs(t2 / t1 - 3) < 1e-4, `${t1}, ${t2}`);
    const uneven = await folds(["--runs", `${a.run}+${a2},${b.run}`, "--manifests", `${a.manifest},${b.manifest}`]);
    assert.equal(uneven.code, 2);
    assert.match(uneven.stderr, /every fold needs the same number of members joined by \+ \(2\)/);
    const crossed = await folds([
      "--runs",
      `${a.run}+${b2},${b.run}+${a2}`,
      "--manifests",
      `${a.manifest},${b.manifest}`,
    ]);
    assert.equal(crossed.code, 1);
    assert.match(crossed.stderr, /f2\/all0\.jpg is val in its predictions but not in .*f1\/manifest\.json/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Another recipe's run of the same fold: the same val images, its normal images' logits moved by `by`. */
async function writeVariant(run: string, by: number): Promise<string> {
  const variant = `${run}-b`;
  await mkdir(variant, { recursive: true });
  const rows = JSON.parse(await readFile(join(run, "predictions.json"), "utf8"));
  await writeFile(
    join(variant, "predictions.json"),
    JSON.stringify(
      rows.map((r: { label: string; logit: number }) => ({ ...r, logit: r.logit + (r.label === "normal" ? by : 0) })),
    ),
  );
  for (const f of ["history.json", "eval.json"]) await writeFile(join(variant, f), await readFile(join(run, f)));
  return variant;
}

Deno.test("folds CLI: --versus reads a second recipe on the same folds, both pooled rows and the paired differences", async () => {
  const dir = await mkdtemp(join(tmpdir(), "folds-cli-"));
  try {
    const a = await writeFold(dir, 1), b = await writeFold(dir, 2);
    const a2 = await writeVariant(a.run, -3), b2 = await writeVariant(b.run, -3);
    const out = join(dir, "report.json");
    const base = ["--runs", `${a.run},${b.run}`, "--manifests", `${a.manifest},${b.manifest}`];
    const r = await folds([...base, "--versus", `${a2},${b2}`, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(await readFile(out, "utf8"));
    assert.deepEqual(report.versus.runs, [a2, b2]);
    assert.equal(report.versus.across.length, 2);
    // B scores every normal image 3 logits lower: more of them answered `normal`, none fewer
    const { pooled, versus } = report;
    assert.ok(versus.pooled.normalAnsweredNormal > pooled.normalAnsweredNormal, JSON.stringify(versus.pooled));
    const d = versus.difference.normalAnsweredNormal;
    assert.equal(d.value, versus.pooled.normalAnsweredNormal / 8 - pooled.normalAnsweredNormal / 8);
    assert.ok(d.interval[0] <= d.value && d.value <= d.interval[1], JSON.stringify(d));
    assert.match(r.stdout, /versus .*f1\/run-b, .*f2\/run-b \(B\), read across the same folds/);
    const pts = (x: number) => `${x >= 0 ? "\\+" : "−"}${Math.abs(100 * x).toFixed(1).replace(".", "\\.")}`;
    assert.match(r.stdout, new RegExp(`^\\| B − A \\(paired 95%\\) \\| .* \\| ${pts(d.value)} \\[`, "m"));
    // usage: one run per fold, and no shifts
    const fewer = await folds([...base, "--versus", a2]);
    assert.equal(fewer.code, 2);
    assert.match(fewer.stderr, /--versus needs one run per fold, as --runs \(2\); got 1/);
    const shifted = await folds([...base, "--versus", `${a2},${b2}`, "--shifts", "identity"]);
    assert.equal(shifted.code, 2);
    assert.match(shifted.stderr, /--versus compares the unshifted readings: leave out --shifts/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A fold's run given the tiny fixture model as its export, and real images at its val paths. */
async function withModel(dir: string, run: string, manifest: string): Promise<void> {
  const card = JSON.parse(await readFile("tests/fixtures/models/tiny.float.json", "utf8"));
  await writeFile(join(run, "model.float.onnx"), await readFile("tests/fixtures/models/tiny.float.onnx"));
  await writeFile(join(run, "preprocess.json"), JSON.stringify(card.preprocess));
  await writeFile(
    join(run, "onnx_export.json"),
    JSON.stringify({
      kind: "onnx-export",
      checkpoint: "best",
      opset: 17,
      floatBytes: 1,
      io: card.io,
      parity: { images: 1, maxAbsLogitDiff: 0, tolerance: 1e-4 },
    }),
  );
  // an ALL-looking smear field and a pale single cell, alternately, whatever the names say
  const sources = ["tests/fixtures/images/full_baseline.jpg", "tests/fixtures/images/cnmc_hem_UID_H10_100_1_hem.png"];
  const { items } = JSON.parse(await readFile(manifest, "utf8"));
  for (const [i, item] of items.filter((x: { split: string }) => x.split === "val").entries()) {
    await mkdir(join(dir, item.path, ".."), { recursive: true });
    await writeFile(join(dir, item.path), await readFile(sources[i % 2]));
  }
}

Deno.test("folds CLI: --shifts reads every fold's val images under the suite from the members' exports, cached", async () => {
  const dir = await mkdtemp(join(tmpdir(), "folds-cli-"));
  try {
    const a = await writeFold(dir, 1), b = await writeFold(dir, 2);
    const base = ["--runs", `${a.run},${b.run}`, "--manifests", `${a.manifest},${b.manifest}`];
    const cache = join(dir, "cache.json"), out = join(dir, "report.json");
    const missing = await folds([...base, "--shifts", "gamma 1.2"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /f1\/run has no .*model\.float\.onnx: export it first \(deno task export --run/);
    const lone = await folds([...base, "--cache", cache]);
    assert.equal(lone.code, 2);
    assert.match(lone.stderr, /--cache keeps shifted logits: give --shifts too/);

    await withModel(dir, a.run, a.manifest);
    await withModel(dir, b.run, b.manifest);
    const r = await folds([...base, "--shifts", "gamma 1.2,jpeg", "--cache", cache, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /fold 2: scored jpeg q50/);
    const report = JSON.parse(await readFile(out, "utf8"));
    const names = report.shifts.readings.map((s: { shift: string }) => s.shift);
    assert.deepEqual(names, ["identity", "gamma 1.2", "jpeg q95", "jpeg q75", "jpeg q60", "jpeg q50"]);
    for (const s of report.shifts.readings) assert.deepEqual([s.all, s.normal], [8, 8], s.shift);
    assert.equal(report.shifts.summary.shifts, 5);
    assert.match(r.stdout, /under the shift suite .*\n\n\| shift \|[^\n]*\n[^\n]*\n\| identity \| /);
    assert.match(r.stdout, /5 shifts: ALL answered normal > 1% in \d, > 5% in \d; summed \d+; worst /);
    // (the tiny fixture scores every image near logit 0.75, inside the review band: this test is about
    // the data flow; poolShifted's tests hold the answers) the members scored real pixels: gamma
    // moves the logits, and each fold's 8 images have 8
    const cached = JSON.parse(await readFile(cache, "utf8")).runs[a.run].byShift;
    assert.equal(cached["identity"].length, 8);
    assert.notDeepEqual(cached["gamma 1.2"], cached["identity"]);
    // read again: nothing is scored twice, the same answers come out
    const again = await folds([...base, "--shifts", "gamma 1.2,jpeg", "--cache", cache]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /scored/);
    const table = (out: string) => out.slice(out.indexOf("under the shift suite")).split("\n\nwrote ")[0].trim();
    assert.equal(table(again.stdout), table(r.stdout));

    // --recalibration: a lab per fold, from the cached logits (nothing scored), one row per shift
    const noShifts = await folds([...base, "--recalibration"]);
    assert.equal(noShifts.code, 2);
    assert.match(noShifts.stderr, /--recalibration reads a lab under its acquisition: give --shifts too/);
    const recal = await folds([
      ...base,
      "--shifts",
      "gamma 1.2,jpeg",
      "--cache",
      cache,
      "--recalibration",
      "--out",
      out,
    ]);
    assert.equal(recal.code, 0, recal.stderr);
    assert.doesNotMatch(recal.stderr, /scored/);
    const rr = JSON.parse(await readFile(out, "utf8")).recalibration;
    assert.deepEqual(rr.shipped.map((s: { shift: string }) => s.shift), names);
    assert.equal(rr.held.length, names.length);
    assert.equal(rr.held[0].folds.length, 2);
    // the later half of each fold's blocks: fewer images than the fold holds
    for (const s of [...rr.shipped, ...rr.recalibrated]) {
      assert.ok(s.all + s.normal > 0 && s.all + s.normal < 16, s.shift);
    }
    assert.match(
      recal.stdout,
      /a new lab recalibrating .*\n\n\| shift \| ALL answered `normal`: shipped → recalibrated \|/,
    );
    assert.match(recal.stdout, /\| identity \| [\d.]+% \(\d+\/\d+\) → [\d.]+% \(\d+\/\d+\) \|/);
    assert.match(recal.stdout, /5 shifts, shipped → recalibrated: ALL answered normal > 1% in \d → \d/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
