/**
 * `scripts/repoint.ts` (`deno task repoint`) as a user runs it (`node --import tsx`), on the
 * committed all-v6 ensemble and two real Taleqani fixture fields.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runScript } from "../tests/helpers/run_script.ts";
import { parseHistory } from "./lib/run/run_folder.ts";

const MODEL = "model/all-v6.float.onnx";

/** `deno task repoint` on `model` with a point, a manifest and an output folder. */
const repoint = (model: string, point: string, manifest: string, out: string) =>
  runScript("repoint.ts", ["--model", model, "--point", point, "--manifest", manifest, "--out", out]);

async function writeInputs(dir: string, temperatures: number[]): Promise<{ manifest: string; point: string }> {
  const manifest = join(dir, "manifest.json"), point = join(dir, `point-${temperatures.length}.json`);
  const item = (path: string, label: string, split: string) => ({
    path,
    label,
    group: path,
    split,
    view: "original",
    sha256: "",
  });
  await writeFile(
    manifest,
    JSON.stringify({
      version: 1,
      dataset: "taleqani",
      root: resolve("tests/fixtures/images"),
      created: "2026-12-05T00:00:00Z",
      split: { seed: 1, fractions: { train: 0, val: 0.5, test: 0.5 }, method: "fixture" },
      counts: {},
      items: [
        item("taleqani_Benign_WBC-Benign-001.jpg", "normal", "val"),
        item("taleqani_Early_WBC-Malignant-Early-001.jpg", "all", "test"),
      ],
    }),
  );
  await writeFile(
    point,
    JSON.stringify({
      pooled: { all: 1980, normal: 360 },
      fitted: {
        memberTemperatures: temperatures,
        temperature: 0.5,
        threshold: 0.3,
        reviewBand: [0.01, 0.8],
        rule: { targetSensitivity: 0.99, bandSensitivity: 0.995, bandSpecificity: 0.99 },
      },
    }),
  );
  return { manifest, point };
}

Deno.test("repoint CLI: the served ensemble with the point's member temperatures; twice the temperatures, half the logits", async () => {
  const dir = await mkdtemp(join(tmpdir(), "repoint-cli-"));
  try {
    const card = JSON.parse(await readFile("model/all-v6.float.json", "utf8"));
    const own: number[] = card.training.config.ensemble.map((m: { temperature: number }) => m.temperature);
    const logits = async (temperatures: number[], out: string) => {
      const { manifest, point } = await writeInputs(dir, temperatures);
      const r = await repoint(MODEL, point, manifest, out);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /parity: new graph vs its members' logits weighted by hand \(1 val images\)/);
      const config = JSON.parse(await readFile(join(out, "train_config.json"), "utf8"));
      assert.deepEqual(config.ensemble.map((m: { temperature: number }) => m.temperature), temperatures);
      assert.match(config.memberTemperaturesFrom, /^out-of-fold: .*point-3\.json \(2340 images\)$/);
      const history = JSON.parse(await readFile(join(out, "history.json"), "utf8"));
      assert.equal(parseHistory(history).length, card.training.epochs);
      const rows = JSON.parse(await readFile(join(out, "predictions.json"), "utf8"));
      assert.deepEqual(rows.map((r: { split: string }) => r.split), ["val", "test"]);
      return rows.map((r: { logit: number }) => r.logit) as number[];
    };
    const base = await logits(own, join(dir, "own"));
    const doubled = await logits(own.map((t) => 2 * t), join(dir, "doubled"));
    // the benign field scores lower than the ALL one, and every coefficient halved halves each logit
    assert.ok(base[0] < base[1], `benign ${base[0]} vs ALL ${base[1]}`);
    base.forEach((z, i) => assert.ok(Math.abs(doubled[i] - z / 2) < 1e-4, `image ${i}: ${doubled[i]} vs ${z / 2}`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("repoint CLI: refuses a point for another number of members, and a model that is no ensemble", async () => {
  const dir = await mkdtemp(join(tmpdir(), "repoint-cli-"));
  try {
    const { manifest, point } = await writeInputs(dir, [0.5, 0.5]);
    const out = join(dir, "out");
    const two = await repoint(MODEL, point, manifest, out);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /point-2\.json was fitted for 2 members, model\/all-v6\.float\.onnx has 3/);
    const single = await repoint("tests/fixtures/models/tiny.float.onnx", point, manifest, out);
    assert.equal(single.code, 1);
    assert.match(single.stderr, /tiny\.float\.onnx is not a mean ensemble/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
