/**
 * `scripts/teacher.ts` (`deno task teacher`) with an exported model as the teacher, as a user runs
 * it, on the committed tiny float model and the fixture images.
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../tests/helpers/run_script.ts";
import { decodeImage } from "../model/core/mod.ts";
import { parseTeacherLogits } from "./lib/train/teacher.ts";
import { onnxLogits } from "./lib/run/onnx_scoring.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = join(ROOT, "tests/fixtures/models/tiny.float.onnx");
const IMAGES = join(ROOT, "tests/fixtures/images");

const item = (path: string, label: string, split: string) => ({
  path,
  label,
  group: path,
  split,
  view: "original",
  sha256: "0".repeat(64),
});

Deno.test("teacher CLI: an exported model scores every training image, its logit divided by the card's temperature", async () => {
  const dir = await mkdtemp(join(tmpdir(), "teacher-cli-"));
  try {
    const manifest = join(dir, "manifest.json"), out = join(dir, "teacher.json"), model = join(dir, "t.onnx");
    // the tiny model with a card whose temperature is not 1, or dividing by it would prove nothing
    await copyFile(MODEL, model);
    const card = { ...JSON.parse(await readFile(MODEL.replace(/\.onnx$/, ".json"), "utf8")), temperature: 2.5 };
    await writeFile(model.replace(/\.onnx$/, ".json"), JSON.stringify(card));
    const items = [
      item("taleqani_Early_WBC-Malignant-Early-001.jpg", "all", "train"),
      item("taleqani_Benign_WBC-Benign-001.jpg", "normal", "train"),
      item("taleqani_Benign_WBC-Benign-001.libjpeg.png", "normal", "val"), // not a training image
    ];
    await writeFile(
      manifest,
      JSON.stringify({
        version: 1,
        dataset: "taleqani",
        root: IMAGES,
        created: "2025-01-01T00:00:00.000Z",
        split: { seed: 1, fractions: { train: 0.67, val: 0.33, test: 0 }, method: "fixture" },
        counts: {},
        items,
      }),
    );
    const run = await runScript("teacher.ts", ["--model", model, "--manifest", manifest, "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    const { file, logits } = parseTeacherLogits(JSON.parse(await readFile(out, "utf8")));
    assert.deepEqual([...logits.keys()].sort(), [items[1].path, items[0].path].sort());
    assert.equal(file.teacher.checkpoint, "onnx");
    // the same numbers as scoring the model directly, over its temperature
    const images = await Promise.all(
      items.slice(0, 2).map(async (it) => ({
        item: it as never,
        rgba: await decodeImage(await Deno.readFile(join(IMAGES, it.path))),
      })),
    );
    const direct = await onnxLogits(new Uint8Array(await readFile(MODEL)), images, card.preprocess, card.io);
    items.slice(0, 2).forEach((it, k) => {
      assert.ok(Math.abs(logits.get(it.path)! - direct.logits[k] / card.temperature) < 1e-6, it.path);
    });

    const both = await runScript("teacher.ts", ["--model", model, "--run", dir, "--manifest", manifest, "--out", out]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--run DIR .* or --model X\.onnx .*, not both/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
