/**
 * End-to-end test of the training loop (worker_threads + tsx, so Node only):
 *   ./node_modules/.bin/tsx --test scripts/lib/train/loop.node-test.ts
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
import { loadLayersModel } from "../tfjs/file_io.ts";
import { NO_AUGMENT } from "./augment.ts";
import { encodeBmp } from "../../../model/core/mod.ts";
import { DEFAULT_TRAIN, type HistoryRow, train } from "./loop.ts";

/** 24-bit BMP of a w×h image: `all` has a dark blob, `normal` is plain. */
function bmp(w: number, h: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = pixel(x, y);
      data.set([r, g, b, 255], (y * w + x) * 4);
    }
  }
  return encodeBmp({ width: w, height: h, data });
}

test("train: 2 epochs on synthetic images at width 0.5, checkpoints reload, resume continues, predictions written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-e2e-"));
  try {
    const items: ManifestItem[] = [];
    const splits = [["train", 16], ["val", 6], ["test", 4]] as const;
    let k = 0;
    for (const [split, n] of splits) {
      for (let i = 0; i < n; i++, k++) {
        const all = i % 2 === 0;
        const cx = 8 + (k * 5) % 16, cy = 8 + (k * 7) % 16;
        const bytes = bmp(40, 40, (x, y) => {
          const d = Math.hypot(x - cx, y - cy);
          const v = all && d < 7 ? 40 : 200 + ((x * 3 + y * 5 + k) % 30);
          return [v, v - 10, v + 10];
        });
        const path = `${split}_${i}.bmp`;
        await writeFile(join(dir, path), bytes);
        items.push({
          path,
          label: all ? "all" : "normal",
          subtype: all ? "Pre" : "Benign",
          group: path,
          split,
          sha256: "",
          view: "original",
        });
      }
    }
    const manifest: SplitManifest = {
      version: 1,
      dataset: "folders",
      root: dir,
      created: "",
      split: { seed: 1, fractions: { train: 0.6, val: 0.2, test: 0.2 }, method: "test" },
      subtypes: ["Benign", "Pre"],
      counts: {},
      items,
    };
    const spec: PreprocessSpec = {
      size: 32,
      crop: "none",
      resize: "area",
      normalization: { mode: "per-image", minStd: 0.02 },
      channelOrder: "RGB",
      alphaBackground: 0,
    };
    const out = join(dir, "out");
    const cfg = {
      ...DEFAULT_TRAIN,
      manifest,
      out,
      spec,
      epochs: 2,
      batch: 8,
      lr: 3e-3,
      // a width multiplier other than 1: the replicas must build the same network as the main thread
      width: 0.5,
      workers: 2,
      backend: "wasm" as const,
      augment: NO_AUGMENT,
      progress: false,
      log: () => {},
    };

    const first = await train({ ...cfg, maxMinutes: 1e-9 }); // stops after epoch 1
    assert.equal(first.stoppedBy, "time");
    assert.equal(first.epochs, 1);
    const res = await train({ ...cfg, resume: true });
    assert.equal(res.epochs, 2);
    const history = JSON.parse(await readFile(join(out, "history.json"), "utf8")) as HistoryRow[];
    assert.deepEqual(history.map((h) => h.epoch), [1, 2]);
    assert.ok(history.every((h) => Number.isFinite(h.trainLoss) && h.imgPerSec > 0));
    assert.ok(history[1].trainLoss < history[0].trainLoss, `loss should fall: ${history.map((h) => h.trainLoss)}`);

    await tf.setBackend("cpu");
    const best = await loadLayersModel(join(out, "best"));
    const last = await loadLayersModel(join(out, "last"));
    assert.deepEqual(best.outputNames, ["logit", "subtype_logits"]);
    assert.equal((best.getLayer("s4b_conv").getConfig() as { filters: number }).filters, 64);
    assert.equal(JSON.parse(await readFile(join(out, "train_config.json"), "utf8")).width, 0.5);
    const w0 = last.getWeights().map((t) => Array.from(t.dataSync()));
    assert.ok(w0.some((w) => w.some((v) => v !== 0)));
    const preds = JSON.parse(await readFile(join(out, "predictions.json"), "utf8"));
    assert.equal(preds.length, 10);
    assert.ok(
      preds.every((p: { logit: number; subtypeLogits: number[] }) =>
        Number.isFinite(p.logit) && p.subtypeLogits.length === 2
      ),
    );
    assert.deepEqual(JSON.parse(await readFile(join(out, "preprocess.json"), "utf8")), spec);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
