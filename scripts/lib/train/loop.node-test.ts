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
import { ALL_V6_AUGMENT } from "../../../tests/helpers/training_fields.ts";
import { TEST_PREPROCESS } from "../../../tests/helpers/card_fields.ts";
import { encodeBmp } from "../../../model/core/mod.ts";
import { DEFAULT_TRAIN, type HistoryRow, train } from "./loop.ts";
import { createModel } from "../models/create.ts";

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

/**
 * A small run on {@link syntheticManifest}: 32-px per-image-normalised input, width 0.5 (other than
 * 1, so the replicas must build the same network as the main thread), wasm, no augmentation.
 */
function smallRun(manifest: SplitManifest, out: string, o: { epochs: number; workers: number }) {
  const spec: PreprocessSpec = TEST_PREPROCESS;
  return {
    ...DEFAULT_TRAIN,
    manifest,
    out,
    spec,
    epochs: o.epochs,
    batch: 8,
    lr: 3e-3,
    width: 0.5,
    workers: o.workers,
    backend: "wasm" as const,
    augment: NO_AUGMENT,
    progress: false,
    log: () => {},
  };
}

test("train: 2 epochs on synthetic images at width 0.5, checkpoints reload, resume continues, predictions written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-e2e-"));
  try {
    const manifest = await syntheticManifest(dir);
    const out = join(dir, "out");
    const cfg = smallRun(manifest, out, { epochs: 2, workers: 2 });
    const spec = cfg.spec;

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

test("train: a refit with no val split runs the first --stop-epoch epochs of the schedule and keeps the last", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-refit-"));
  try {
    const manifest = await syntheticManifest(dir, { refit: true });
    assert.equal(manifest.items.filter((it) => it.split === "val").length, 0);
    const out = join(dir, "out");
    const cfg = smallRun(manifest, out, { epochs: 3, workers: 1 });
    await assert.rejects(train(cfg), /no validation items.*--stop-epoch/);
    await assert.rejects(
      train({ ...cfg, stopEpoch: 4 }),
      /--stop-epoch must be a whole number from 1 to --epochs \(3\), got 4/,
    );
    await assert.rejects(train({ ...cfg, stopEpoch: 0 }), /got 0/);

    const first = await train({ ...cfg, stopEpoch: 2, maxMinutes: 1e-9 }); // stops after epoch 1
    assert.equal(first.stoppedBy, "time");
    const res = await train({ ...cfg, stopEpoch: 2, resume: true });
    assert.equal(res.stoppedBy, "stop-epoch");
    assert.equal(res.epochs, 2);
    assert.equal(res.bestEpoch, 2, "a refit keeps its last epoch");
    assert.equal(res.best, null);
    const history = JSON.parse(await readFile(join(out, "history.json"), "utf8")) as HistoryRow[];
    assert.deepEqual(history.map((h) => [h.epoch, h.val, h.best]), [[1, null, true], [2, null, true]]);
    // the 3-epoch cosine schedule, cut after epoch 2: the learning rate has not reached 0
    const cosineAtTwoThirds = 3e-3 * 0.5 * (1 + Math.cos(Math.PI / 2)); // a 2-epoch schedule would be near 8e-4
    assert.ok(history[1].lr > 1e-4 && history[1].lr >= cosineAtTwoThirds, `lr ${history[1].lr}`);

    await tf.setBackend("cpu");
    const best = await loadLayersModel(join(out, "best"));
    const last = await loadLayersModel(join(out, "last"));
    const flat = (m: tf.LayersModel) => m.getWeights().flatMap((t) => Array.from(t.dataSync()));
    assert.deepEqual(flat(best), flat(last));
    const preds = JSON.parse(await readFile(join(out, "predictions.json"), "utf8")) as { split: string }[];
    assert.deepEqual(preds.map((p) => p.split), ["test", "test", "test", "test"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("train: --average-epochs validates, keeps and predicts with the weights' moving average; a resume restores it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-average-"));
  try {
    const manifest = await syntheticManifest(dir);
    const run = (name: string, extra: object) => ({
      ...smallRun(manifest, join(dir, name), { epochs: 2, workers: 1 }),
      ...extra,
    });
    const valLosses = async (name: string) =>
      (JSON.parse(await readFile(join(dir, name, "history.json"), "utf8")) as HistoryRow[]).map((h) => h.val!.loss);

    await train(run("plain", {}));
    // a horizon so short that the average is the last step: the plain run, to the bit
    await train(run("instant", { averageEpochs: 1e-9 }));
    assert.deepEqual(await valLosses("instant"), await valLosses("plain"));

    // interrupted after epoch 1 and resumed: the same run as one without the interruption
    await train(run("whole", { averageEpochs: 1 }));
    const first = await train(run("resumed", { averageEpochs: 1, maxMinutes: 1e-9 }));
    assert.equal(first.stoppedBy, "time");
    await assert.rejects(train(run("resumed", { resume: true })), /resume it with the same --average-epochs/);
    await train(run("resumed", { averageEpochs: 1, resume: true }));
    const whole = await valLosses("whole");
    assert.deepEqual(await valLosses("resumed"), whole);
    assert.notDeepEqual(whole, await valLosses("plain"), "val is read on the average, not the last step");

    // best/ (and the predictions) hold the average; last/ the raw weights the optimiser continues from
    await tf.setBackend("cpu");
    const flat = async (sub: string) =>
      (await loadLayersModel(join(dir, "whole", sub))).getWeights().flatMap((t) => Array.from(t.dataSync()));
    const [best, last] = [await flat("best"), await flat("last")];
    assert.equal(best.length, last.length);
    assert.ok(best.some((w, i) => w !== last[i]), "best/ holds the average, not the last step's weights");
    const state = JSON.parse(await readFile(join(dir, "whole", "last", "state.json"), "utf8"));
    assert.ok(state.averageTotal > 1, `averageTotal ${state.averageTotal}`);
    assert.equal(JSON.parse(await readFile(join(dir, "whole", "train_config.json"), "utf8")).averageEpochs, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("train: --mixup blends the batch (the run differs from one without), reproducibly; bad α and --teacher refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-mixup-"));
  try {
    const manifest = await syntheticManifest(dir);
    const run = (name: string, extra: object) => ({
      ...smallRun(manifest, join(dir, name), { epochs: 1, workers: 1 }),
      ...extra,
    });
    await assert.rejects(train(run("bad", { mixup: -0.1 })), /--mixup takes α ≥ 0/);
    const teacher = new Map([["train_0.bmp", 1]]);
    await assert.rejects(
      train(run("bad", { mixup: 0.2, distill: { teacher, weight: 0.5, temperature: 2, source: "t" } })),
      /--mixup with --teacher/,
    );
    await train(run("plain", {}));
    await train(run("mixed", { mixup: 0.4 }));
    await train(run("again", { mixup: 0.4 }));
    await tf.setBackend("cpu");
    const flat = async (name: string) =>
      (await loadLayersModel(join(dir, name, "last"))).getWeights().flatMap((t) => Array.from(t.dataSync()));
    const [plain, mixed, again] = [await flat("plain"), await flat("mixed"), await flat("again")];
    assert.ok(mixed.every(Number.isFinite), "mixup's weights are finite");
    assert.ok(mixed.some((w, i) => w !== plain[i]), "a mixup run is not the plain run");
    const firstDiff = mixed.findIndex((w, i) => w !== again[i]);
    assert.equal(firstDiff, -1, `the same seed gives the same mixup run (first difference at ${firstDiff})`);
    assert.equal(JSON.parse(await readFile(join(dir, "mixed", "train_config.json"), "utf8")).mixup, 0.4);
    // a resume must keep the regime it was started with, either way
    await assert.rejects(
      train(run("mixed", { resume: true })),
      /trained with --mixup 0\.4; resume it with the same --mixup/,
    );
    await assert.rejects(train(run("plain", { mixup: 0.4, resume: true })), /trained with --mixup 0; resume it/);
    assert.equal(JSON.parse(await readFile(join(dir, "plain", "train_config.json"), "utf8")).mixup, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * A synthetic split (`all`: a dark blob; `normal`: plain) written as BMPs under `dir`; with
 * `refit`, the val images are training images (no val split).
 */
async function syntheticManifest(dir: string, opts: { refit?: boolean } = {}): Promise<SplitManifest> {
  const items: ManifestItem[] = [];
  const splits = [["train", 16], [opts.refit ? "train" : "val", 6], ["test", 4]] as const;
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
  return {
    version: 1,
    dataset: "folders",
    root: dir,
    created: "",
    split: { seed: 1, fractions: { train: 0.6, val: 0.2, test: 0.2 }, method: "test" },
    subtypes: ["Benign", "Pre"],
    counts: {},
    items,
  };
}

test("train: a pretrained backbone (a MobileNetV2 slice) frozen for epoch 1, then fine-tuned; BN statistics kept; distilled from a teacher", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-pretrained-"));
  try {
    const manifest = await syntheticManifest(dir);
    const spec: PreprocessSpec = {
      size: 32,
      crop: "none",
      resize: "area",
      normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] },
      channelOrder: "RGB",
      alphaBackground: 0,
    };
    // the teacher: confident on the label for half the training images, none for the rest
    const teacher = new Map(
      manifest.items.filter((it) => it.split === "train").slice(0, 8).map((
        it,
      ) => [it.path, it.label === "all" ? 4 : -4]),
    );
    const out = join(dir, "out");
    const cfg = {
      ...DEFAULT_TRAIN,
      manifest,
      out,
      spec,
      arch: "mobilenetv2" as const,
      backboneUpTo: "block_2_add",
      freezeEpochs: 1,
      backboneLr: 0.1,
      distill: { teacher, weight: 0.5, temperature: 2, source: "test" },
      epochs: 2,
      batch: 8,
      lr: 3e-3,
      workers: 2,
      backend: "wasm" as const,
      augment: NO_AUGMENT,
      progress: false,
      log: () => {},
    };
    await tf.setBackend("cpu");
    const pretrained = await createModel("mobilenetv2", { size: 32, subtypes: 2, seed: 1, upTo: "block_2_add" });
    const weightOf = (m: tf.LayersModel, layer: string, i = 0) =>
      Array.from(m.getLayer(layer).getWeights()[i].dataSync());

    const first = await train({ ...cfg, maxMinutes: 1e-9 }); // stops after epoch 1 (frozen)
    assert.equal(first.epochs, 1);
    await tf.setBackend("cpu");
    const frozen = await loadLayersModel(join(out, "last"));
    assert.deepEqual(weightOf(frozen, "Conv1"), weightOf(pretrained, "Conv1"), "epoch 1: the backbone is frozen");
    assert.notDeepEqual(weightOf(frozen, "logit"), weightOf(pretrained, "logit"), "epoch 1: the head trains");

    await train({ ...cfg, resume: true });
    await tf.setBackend("cpu");
    const tuned = await loadLayersModel(join(out, "last"));
    assert.notDeepEqual(weightOf(tuned, "Conv1"), weightOf(pretrained, "Conv1"), "epoch 2: the backbone trains");
    // moving mean and variance (weights 2 and 3 of a BN layer) stay the pretrained ones
    for (const i of [2, 3]) assert.deepEqual(weightOf(tuned, "bn_Conv1", i), weightOf(pretrained, "bn_Conv1", i));
    assert.notDeepEqual(weightOf(tuned, "bn_Conv1", 0), weightOf(pretrained, "bn_Conv1", 0), "BN scale trains");
    const config = JSON.parse(await readFile(join(out, "train_config.json"), "utf8"));
    assert.deepEqual(config.distill, { source: "test", weight: 0.5, temperature: 2, teacherImages: 8 });
    assert.equal(
      JSON.parse(await readFile(join(out, "best", "model.json"), "utf8")).userDefinedMetadata.backbone.package,
      "nsfwjs",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("train: the device data path (tfjs augmentation, 8-bit cache, feeder threads ahead) trains as the host path does", async () => {
  const dir = await mkdtemp(join(tmpdir(), "train-device-"));
  try {
    const manifest = await syntheticManifest(dir);
    const spec: PreprocessSpec = { ...TEST_PREPROCESS, whiteBalance: { brightFraction: 0.02 } };
    // all-v6's members' recipe: colour jitter, tone curves, chroma, zoom in/out, source-size JPEG
    const augment = { ...ALL_V6_AUGMENT, jpegSource: { probability: 0.5, minQuality: 40, maxQuality: 90 } };
    const cfg = {
      ...DEFAULT_TRAIN,
      manifest,
      spec,
      epochs: 1,
      batch: 8,
      lr: 3e-3,
      width: 0.5,
      workers: 1,
      backend: "wasm" as const,
      augment,
      progress: false,
      log: () => {},
    };
    const run = async (name: string, extra: object) => {
      const out = join(dir, name);
      await train({ ...cfg, out, ...extra });
      const [h] = JSON.parse(await readFile(join(out, "history.json"), "utf8")) as HistoryRow[];
      const config = JSON.parse(await readFile(join(out, "train_config.json"), "utf8"));
      return { loss: h.trainLoss, val: h.val!.loss, config };
    };
    const host = await run("host", {});
    const fed = await run("fed", { dataPath: "device", feeders: 1, prefetch: 2 });
    const own = await run("own", { dataPath: "device", feeders: 0 });
    // the feeders make exactly the bytes the replica would: the same run, to the bit
    assert.equal(fed.loss, own.loss);
    assert.equal(fed.val, own.val);
    // device vs host: the same draws; only the 8-bit cache and float rounding differ
    const near = (a: number, b: number) => Math.abs(a - b) <= 0.02 * Math.max(Math.abs(a), Math.abs(b));
    assert.ok(near(fed.loss, host.loss), `train loss: device ${fed.loss}, host ${host.loss}`);
    assert.ok(near(fed.val, host.val), `val loss: device ${fed.val}, host ${host.val}`);
    assert.equal(fed.config.dataPath, "device");
    assert.equal(host.config.dataPath, undefined);
    await assert.rejects(
      train({
        ...cfg,
        out: join(dir, "refused"),
        dataPath: "device",
        augment: { ...augment, acquisition: { gain: 0.1, blur: 0, chroma: 0 } },
      }),
      /--data-path device: --aug-acq has no device version; drop it or train with --data-path host/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
