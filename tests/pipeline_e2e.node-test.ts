/**
 * The whole offline pipeline on committed real fixture images, through the same CLIs a user runs:
 * `scripts/pipeline.ts` runs prepare_data → train (1 epoch, 32 px) → evaluate → colour baseline →
 * export (ONNX, parity) → quantize (int8 QDQ) → domain (feature distance) → shift → suite (a
 * subset of the shift suite) → card, then the core's ONNX
 * runtime loads the card's model; a second (dry) run finds every step up to date.
 * Node only (the trainer uses worker_threads under tsx); part of `deno task test`:
 *   node --import tsx --test tests/pipeline_e2e.node-test.ts
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { decodeImage, loadModelFile, parseModelCard, preprocess } from "../model/core/mod.ts";
import { dihedral } from "../scripts/lib/train/augment.ts";
import { encodeRgbaPng } from "../scripts/lib/report/png.ts";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
const FIXTURES = join(ROOT, "tests/fixtures/images");
const SOURCES = {
  all: ["taleqani_Early_WBC-Malignant-Early-001.jpg", "cnmc_all_UID_35_6_2_all.png"],
  normal: ["taleqani_Benign_WBC-Benign-001.jpg", "cnmc_hem_UID_H10_100_1_hem.png"],
} as const;

/** Writes the 8 flips/rotations of each real fixture as distinct PNGs under `<dir>/<label>/`. */
async function makeDataset(dir: string): Promise<void> {
  for (const [label, files] of Object.entries(SOURCES)) {
    await mkdir(join(dir, label), { recursive: true });
    let n = 0;
    for (const file of files) {
      const img = await decodeImage(new Uint8Array(await readFile(join(FIXTURES, file))));
      const rgb = { width: img.width, height: img.height, data: new Float32Array(img.width * img.height * 3) };
      for (let i = 0, j = 0; i < img.data.length; i += 4, j += 3) {
        rgb.data[j] = img.data[i], rgb.data[j + 1] = img.data[i + 1], rgb.data[j + 2] = img.data[i + 2];
      }
      for (let code = 0; code < 8; code++) {
        const v = dihedral(rgb, code);
        const rgba = new Uint8Array(v.width * v.height * 4);
        for (let i = 0, j = 0; j < v.data.length; i += 4, j += 3) {
          rgba[i] = v.data[j], rgba[i + 1] = v.data[j + 1], rgba[i + 2] = v.data[j + 2], rgba[i + 3] = 255;
        }
        const png = encodeRgbaPng({ width: v.width, height: v.height, data: rgba }, 6);
        await writeFile(join(dir, label, `cell-${String(++n).padStart(3, "0")}.png`), png);
      }
    }
  }
}

async function tsx(script: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", join(ROOT, script), ...args], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  });
  return stdout + stderr;
}

test("pipeline: prepare → … → card (deno task pipeline) → the core's runtime on real fixture images", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pipeline-e2e-"));
  try {
    const data = join(dir, "data");
    await makeDataset(data);
    const manifestPath = join(dir, "manifest.json");
    const runDir = join(dir, "run");
    const modelDir = join(dir, "model");
    const pipeline = [
      "--run",
      runDir,
      "--manifest",
      manifestPath,
      "--dataset",
      data,
      "--name",
      "e2e",
      "--out",
      modelDir,
      "--version",
      "0.0.1",
      "--args",
      "prepare=--kind folders --block 4 --val 0.25 --test 0.25",
      "--args",
      "train=--size 32 --epochs 1 --batch 8 --workers 1 --quiet",
      "--args",
      "export=--parity-images 8",
      "--args",
      "quantize=--calibration 8",
      "--args",
      "suite=--shifts identity,gamma",
    ];
    await tsx("scripts/pipeline.ts", pipeline);
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    for (const split of ["train", "val", "test"]) {
      for (const label of ["all", "normal"]) {
        assert.ok(
          manifest.items.some((i: { split: string; label: string }) => i.split === split && i.label === label),
          `${split} has ${label}`,
        );
      }
    }
    const history = JSON.parse(await readFile(join(runDir, "history.json"), "utf8"));
    assert.equal(history.length, 1);
    const report = JSON.parse(await readFile(join(runDir, "export_report.json"), "utf8"));
    assert.ok(report.quantization.parityFloatMaxAbsLogitDiff <= 1e-4, "tfjs vs ONNX parity");
    assert.ok(report.quantization.testLabelAgreement >= 0.99, "int8 agrees with float");

    // Resumable: run again, every step's outputs are newer than its inputs, nothing runs.
    const again = await tsx("scripts/pipeline.ts", [...pipeline, "--dry-run"]);
    assert.doesNotMatch(again, /^run /m, again);
    assert.match(again, /^skip card +up to date$/m, again);

    // The exported int8 model with its card, as the service loads them (hash and tensor names checked).
    const card = parseModelCard(JSON.parse(await readFile(join(modelDir, "e2e.int8.json"), "utf8")));
    assert.equal(card.preprocess.size, 32);
    assert.equal(card.version, "0.0.1");
    assert.ok(card.domain?.features, "the domain step's feature check is in the card");
    assert.deepEqual(Object.keys(card.metrics ?? {}), [
      "evaluation",
      "quantization",
      "colourBaselineTest",
      "shift",
      "outOfDomain",
      "suite",
    ]);
    const suite = card.metrics!.suite as { data: { splitMethod: string; n: number }; shifts: { name: string }[] };
    assert.deepEqual(suite.shifts.map((s) => s.name), ["identity", "gamma 0.8", "gamma 1.2"]);
    assert.equal(suite.data.splitMethod, manifest.split.method);
    assert.equal(suite.data.n, manifest.items.filter((i: { split: string }) => i.split === "test").length);
    const model = await loadModelFile(join(modelDir, "e2e.int8.onnx"));
    assert.deepEqual(model.card, card);
    const img = await decodeImage(new Uint8Array(await readFile(join(FIXTURES, SOURCES.all[0]))));
    const x = preprocess(img, card.preprocess, "NCHW");
    const out = await model.run(x, { cam: true });
    assert.ok(Number.isFinite(out.logit));
    assert.ok(out.cam, "the exported model has its CAM output");
    assert.equal(out.cam.data.length, out.cam.width * out.cam.height, "one CAM of one channel for one image");
    await model.close();
    assert.equal(card.id, "e2e", "--name sets the card's id");

    // The card step without the domain step's domain.json: it fits the same check itself, ...
    const cardArgs = ["--run", runDir, "--manifest", manifestPath, "--out", modelDir];
    const domainJson = join(runDir, "domain.json");
    await rename(domainJson, `${domainJson}.off`);
    const fitted = await tsx("scripts/card.ts", [...cardArgs, "--name", "e2e-fit"]);
    assert.match(fitted, /fitting the input-domain check now/);
    const fitCard = parseModelCard(JSON.parse(await readFile(join(modelDir, "e2e-fit.int8.json"), "utf8")));
    assert.deepEqual(fitCard.domain, card.domain, "the card step's fit is the domain step's");
    // ... --no-domain writes the cards without one, and says so in them ...
    await tsx("scripts/card.ts", [...cardArgs, "--name", "e2e-none", "--no-domain"]);
    const noneCard = parseModelCard(JSON.parse(await readFile(join(modelDir, "e2e-none.int8.json"), "utf8")));
    assert.equal(noneCard.domain, undefined);
    assert.match(String(noneCard.noDomainCheck), /^Exported with --no-domain/);
    assert.equal(noneCard.limits?.at(-1), noneCard.noDomainCheck);
    // ... and without the images to fit on it stops, saying what to pass.
    await rename(data, `${data}.off`);
    await assert.rejects(
      tsx("scripts/card.ts", [...cardArgs, "--name", "e2e-nodata"]),
      (err: Error & { code?: number; stderr?: string }) => {
        assert.equal(err.code, 1);
        assert.match(err.stderr ?? "", /cannot fit the input-domain check for the card .*pass --no-domain/s);
        return true;
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
