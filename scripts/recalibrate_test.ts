/**
 * `scripts/recalibrate.ts` as a lab runs it (`deno task recalibrate`), on the committed model and a
 * lab folder made from the fixture fields (three ALL and three normal "patients", two images each,
 * plus a broken file and a folder that names no class): the point it writes is the one its rule
 * gives on the lab's scores as the service computes them, and the card is bound to the same bytes.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  answerResized,
  decodeImage,
  DEFAULT_MODEL,
  encodeBmp,
  loadModelFile,
  type RgbaImage,
  toFloatRgb,
} from "../model/core/mod.ts";
import { runScript } from "../tests/helpers/run_script.ts";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { fakeRuntime } from "../tests/helpers/fake_model.ts";
import { buildAddition, parseExport } from "./ingest_feedback.ts";
import { sha256File } from "./lib/data/files.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FIXTURES = join(ROOT, "tests/fixtures/images");

/** `img` mirrored left–right (`flip`) and/or cut to its central `keep` share of each side. */
function variant(img: RgbaImage, flip: boolean, keep: number): RgbaImage {
  const w = Math.round(img.width * keep), h = Math.round(img.height * keep);
  const x0 = Math.floor((img.width - w) / 2), y0 = Math.floor((img.height - h) / 2);
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = x0 + (flip ? w - 1 - x : x);
      data.set(
        img.data.subarray(((y0 + y) * img.width + sx) * 4, ((y0 + y) * img.width + sx) * 4 + 4),
        (y * w + x) * 4,
      );
    }
  }
  return { width: w, height: h, data };
}

/** The lab folder: `<class>/p<k>/<k>-<j>.bmp`, two variants per patient, and its paths by class. */
async function makeLab(dir: string): Promise<Record<"all" | "normal", string[]>> {
  const sources = {
    all: await decodeImage(await readFile(join(FIXTURES, "taleqani_Early_WBC-Malignant-Early-001.jpg"))),
    normal: await decodeImage(await readFile(join(FIXTURES, "taleqani_Benign_WBC-Benign-001.jpg"))),
  };
  const out: Record<"all" | "normal", string[]> = { all: [], normal: [] };
  const folder = { all: "ALL", normal: "hem" };
  for (const label of ["all", "normal"] as const) {
    for (let k = 0; k < 3; k++) {
      await mkdir(join(dir, folder[label], `p${k}`), { recursive: true });
      for (let j = 0; j < 2; j++) {
        const path = join(dir, folder[label], `p${k}`, `${k}-${j}.bmp`);
        await writeFile(path, encodeBmp(variant(sources[label], j === 1, 1 - 0.08 * k)));
        out[label].push(path);
      }
    }
  }
  await writeFile(join(dir, "ALL", "p0", "broken.png"), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  await mkdir(join(dir, "notes"));
  await writeFile(join(dir, "notes", "scan.png"), await readFile(join(FIXTURES, "variant_rgb8.png")));
  return out;
}

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

Deno.test("recalibrate CLI: reviewer labels with case ids (feedback → ingest) are a lab with patients", async () => {
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
    const run = await runScript("recalibrate.ts", [
      "--manifest",
      file,
      "--lab",
      "Lab A",
      "--dry-run",
      "--min-per-class",
      "6",
      "--folds",
      "3",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^6 ALL and 6 normal images, 6 cases, /);
    assert.match(run.stdout, /^\| refitted, cross-validated by patient \|/m);
    assert.doesNotMatch(run.stdout, /no patient ids/);
    // without case ids, every image is its own unit, and the tool says so
    const loose = buildAddition(records.map(({ caseId: _, ...r }) => r), byFile, lab, { split: "train" });
    await writeFile(file, JSON.stringify(loose));
    const run2 = await runScript("recalibrate.ts", [
      "--manifest",
      file,
      "--lab",
      "Lab A",
      "--dry-run",
      "--min-per-class",
      "6",
    ]);
    assert.equal(run2.code, 0, run2.stderr);
    assert.match(run2.stderr, /12 of 12 images have no case id/);
    assert.match(run2.stdout, /^6 ALL and 6 normal images, 12 units \(no patient ids\), /);
    assert.match(run2.stdout, /warning: no patient ids: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
