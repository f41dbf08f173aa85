/**
 * `scripts/recalibrate.ts` as a lab runs it (`deno task recalibrate`), on the committed model and a
 * lab folder made from the fixture fields (three ALL and three normal "patients", two images each,
 * plus a broken file and a folder that names no class): the point it writes is the one its rule
 * gives on the lab's scores as the service computes them, and the card is bound to the same bytes.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerResized, decodeImage, DEFAULT_MODEL, loadModelFile, toFloatRgb } from "../model/core/mod.ts";
import { runScript } from "../tests/helpers/run_script.ts";
import { makeLab } from "../tests/helpers/lab_folder.ts";

/** p(all) of each file as the service computes it with `model`, and whether its domain check flags it. */
async function servedScores(model: string, files: readonly string[]): Promise<{ p: number; flagged: boolean }[]> {
  const runtime = await loadModelFile(model);
  try {
    const resized = [];
    for (const f of files) resized.push(toFloatRgb(await decodeImage(await readFile(f)), runtime.card.preprocess));
    return (await answerResized(runtime, resized)).map((a) => ({
      p: a.scores.all,
      flagged: (a.reasons ?? []).length > 0,
    }));
  } finally {
    await runtime.close();
  }
}

Deno.test("recalibrate CLI: the lab's point at the card's rule, written beside a byte copy of the model", async () => {
  const dir = await mkdtemp(join(tmpdir(), "recalibrate-cli-"));
  try {
    const lab = join(dir, "lab"), out = join(dir, "out", "lab-a.int8.onnx");
    const files = await makeLab(lab);
    const run = await runScript("recalibrate.ts", [
      "--images",
      lab,
      "--lab",
      "Lab A",
      "--out",
      out,
      "--min-per-class",
      "6",
      "--folds",
      "3",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /skipped folders that name no class: notes/);
    assert.match(run.stderr, /skipped ALL\/p0\/broken\.png: /);
    assert.match(run.stdout, /^6 ALL and 6 normal images, 6 patients, /);
    for (const row of ["as shipped", "refitted, cross-validated by patient", "refitted, in-sample"]) {
      assert.match(run.stdout, new RegExp(`^\\| ${row} \\|`, "m"));
    }

    // the same network: a byte copy, and the card bound to it by the original's hash
    const original = JSON.parse(await readFile(DEFAULT_MODEL.replace(/\.onnx$/, ".json"), "utf8"));
    assert.deepEqual(await readFile(out), await readFile(DEFAULT_MODEL));
    const card = JSON.parse(await readFile(out.replace(/\.onnx$/, ".json"), "utf8"));
    assert.equal(card.sha256, original.sha256);
    assert.equal(card.version, `${original.version}+lab.lab-a`);
    assert.equal(card.file, "lab-a.int8.onnx");
    assert.equal(card.temperature, original.temperature);
    assert.equal(card.recalibration.folds, 3);

    // 6 ALL and 6 normal images resolve none of the card's rates (0.99 needs 100 images, 0.998 500):
    // every edge the lab's images would move the less cautious way stays the shipped card's
    const served = {
      all: await servedScores(DEFAULT_MODEL, files.all),
      normal: await servedScores(DEFAULT_MODEL, files.normal),
    };
    const all = served.all.map((s) => s.p), normal = served.normal.map((s) => s.p);
    const flagged = [...served.all, ...served.normal].filter((s) => s.flagged).length;
    assert.deepEqual(card.recalibration.images, {
      all: 6,
      normal: 6,
      patients: 6,
      patientIds: true,
      outOfDomain: flagged,
    });
    assert.ok(Math.min(...all) > original.threshold && Math.max(...normal) < original.reviewBand[1]);
    assert.deepEqual([card.threshold, card.reviewBand], [original.threshold, original.reviewBand]);
    assert.deepEqual(card.recalibration.held, { threshold: true, low: true, high: true });
    assert.match(
      run.stdout,
      /warning: the threshold stays the shipped card's: .* at least 100 ALL images \(sensitivity 0\.99\)/,
    );

    // at a rule these images resolve (0.5: 2 images), the point is that rule on the lab's own scores
    // as the service computes them: the threshold is the 3rd highest of the 6 ALL scores exactly, the
    // band [threshold, threshold) (the 0.5 specificity edge lies below it)
    // That point answers half the lab's ALL images `normal` where the shipped card answers none:
    // refused unless asked for, and nothing is written
    const loose = join(dir, "out", "lab-a-loose.int8.onnx");
    const rule = ["--sensitivity", "0.5", "--band-sensitivity", "0.5", "--band-specificity", "0.5"];
    const common = ["--images", lab, "--lab", "Lab A", "--min-per-class", "6", "--folds", "3", ...rule];
    const refused = await runScript("recalibrate.ts", [...common, "--out", loose]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stdout,
      /warning: cross-validated by patient, the refitted point answers [1-6] of the lab's ALL images `normal`, the shipped card 0:/,
    );
    assert.match(
      refused.stderr,
      /not written: the refitted point misses more of the lab's ALL images than the shipped card/,
    );
    await assert.rejects(readFile(loose), /ENOENT|No such file/);
    const dry = await runScript("recalibrate.ts", [...common, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /--dry-run: nothing written/);
    await assert.rejects(readFile(loose), /ENOENT|No such file/);
    const run2 = await runScript("recalibrate.ts", [...common, "--out", loose, "--allow-more-misses"]);
    assert.equal(run2.code, 0, run2.stderr);
    const card2 = JSON.parse(await readFile(loose.replace(/\.onnx$/, ".json"), "utf8"));
    const third = [...all].sort((x, y) => y - x)[2];
    assert.equal(card2.threshold, third);
    assert.deepEqual(card2.reviewBand, [third, third]);
    assert.deepEqual(card2.recalibration.held, { threshold: false, low: false, high: false });

    // the service loads it and answers with the lab's point: `all` from the threshold on, exactly
    const runtime = await loadModelFile(loose);
    try {
      assert.equal(runtime.card.version, "6.1.0+lab.lab-a");
      const resized = [];
      for (const f of files.all) {
        resized.push(toFloatRgb(await decodeImage(await readFile(f)), runtime.card.preprocess));
      }
      const answers = await answerResized(runtime, resized);
      const expected = all.map((p) => (p >= third ? "all" : "normal"));
      assert.deepEqual(answers.map((a) => a.decision), expected);
      assert.equal(expected.filter((d) => d === "all").length, 3 + all.filter((p) => p === third).length - 1);
    } finally {
      await runtime.close();
    }

    // run again without --force: refused, the written files untouched
    const cardText = await readFile(out.replace(/\.onnx$/, ".json"), "utf8");
    const again = await runScript("recalibrate.ts", [
      "--images",
      lab,
      "--lab",
      "Lab B",
      "--out",
      out,
      "--min-per-class",
      "6",
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /lab-a\.int8\.onnx exists; choose another --out, or pass --force/);
    assert.equal(await readFile(out.replace(/\.onnx$/, ".json"), "utf8"), cardText);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("recalibrate CLI: too few images of a class, or a bad command line, is refused by name", async () => {
  const dir = await mkdtemp(join(tmpdir(), "recalibrate-few-"));
  try {
    const lab = join(dir, "lab");
    await makeLab(lab);
    const out = join(dir, "x.int8.onnx");
    const few = await runScript("recalibrate.ts", [
      "--images",
      lab,
      "--lab",
      "Lab A",
      "--out",
      out,
      "--min-per-class",
      "7",
    ]);
    assert.equal(few.code, 1);
    // 7 ALL files (one broken, counted before decoding), 6 normal
    assert.match(
      few.stderr,
      /recalibrate failed: 6 normal images \(at least 7 needed\): add labelled normal images under normal\/ \(or hem\/, benign\/\)/,
    );
    const both = await runScript("recalibrate.ts", [
      "--images",
      lab,
      "--manifest",
      "m.json",
      "--lab",
      "A",
      "--out",
      out,
    ]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give exactly one of --images DIR or --manifest FILE/);
    const neither = await runScript("recalibrate.ts", ["--images", lab, "--lab", "A"]);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give --out FILE\.onnx, or --dry-run to write nothing/);
    const png = await runScript("recalibrate.ts", ["--images", lab, "--lab", "A", "--out", join(dir, "x.json")]);
    assert.equal(png.code, 2);
    assert.match(png.stderr, /--out must end in \.onnx/);
    await assert.rejects(readFile(out), /ENOENT|No such file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
