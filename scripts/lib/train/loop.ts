/**
 * The training loop: data-parallel steps over worker replicas, Adam on the main thread,
 * per-epoch validation, checkpoints, early stopping, history and final predictions.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
import { backboneOf, createModel, lrFactors, type TrainArch } from "../models/create.ts";
import type { BackendName } from "../tfjs/backend.ts";
import { adamStep, cosineLr, newAdamState } from "./adam.ts";
import { averageDecay, averageIn, newWeightAverage, type WeightAverage } from "./average.ts";
import { type AugmentOptions, DEFAULT_AUGMENT } from "./augment.ts";
import { loadLoopState, loadModelWeights, type LoopState, saveLoopState, saveModelWeights } from "./checkpoint.ts";
import { shardRanges, WorkerPool } from "./pool.ts";
import { FeederPool, Prefetcher, type SourceImages } from "./feeder.ts";
import { deviceAugmentRefusal } from "./device/augment_ops.ts";
import type { DataPath } from "./protocol.ts";
import { formatDuration, progressBar } from "./progress.ts";
import { mixSeed } from "./rng.ts";
import { type Balance, classWeights, epochBatches } from "./sampler.ts";
import { improved, type Monitor, monitorScore, type ValMetrics, valMetrics } from "./val_metrics.ts";
import { readWeights, weightLayout } from "./weights.ts";
import { parseHistory, runPath, type TrainConfig } from "../run/run_folder.ts";

/**
 * Everything one training run needs. What the run folder records of it is `train_config.json`
 * (`TrainConfig` in `scripts/lib/run/run_folder.ts`).
 */
export interface TrainOptions {
  manifest: SplitManifest;
  out: string;
  arch: TrainArch;
  /**
   * Pretrained architectures: epochs at the start during which only the new head trains (the
   * backbone's learning rate is 0); then the backbone trains at `backboneLr` × the head's rate.
   */
  freezeEpochs: number;
  /** Pretrained architectures: the backbone's learning-rate factor once unfrozen (e.g. 0.1). */
  backboneLr: number;
  /** Pretrained architectures: cut the backbone after this layer (a small slice, for tests). */
  backboneUpTo?: string;
  /**
   * Knowledge distillation: the teacher's logit for each training image (by manifest path; images
   * without one learn from the label alone), mixed into the loss as
   * (1 − weight) · BCE(label) + weight · T² · BCE(σ(teacher / T), student / T).
   */
  distill?: Distillation;
  /** small-gap's width multiplier (`BuildOptions.width` of `buildModel`); 1 = the original widths. */
  width: number;
  spec: PreprocessSpec;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  backend: BackendName;
  workers: number;
  patience: number;
  /**
   * A refit: train the first `stopEpoch` epochs of the `epochs`-long schedule and keep the last
   * weights as the result, with no early stopping and no validation split needed (the epoch count
   * chosen by cross-validation, e.g. the median best epoch of the folds; `deno task folds`).
   */
  stopEpoch?: number;
  /**
   * Keep an exponential moving average of the weights with this horizon in epochs (`average.ts`)
   * and validate, pick, keep and predict with it instead of the last step's weights; 0 or absent:
   * off. The optimiser itself steps the raw weights, which `last/` holds for `--resume`.
   */
  averageEpochs?: number;
  resume: boolean;
  /** Stop after the epoch in which this many minutes have passed (0 = no limit). */
  maxMinutes: number;
  /** Training views to use (e.g. ["original", "segmented"]); empty = all. */
  views: string[];
  balance: Balance;
  weightDecay: number;
  warmupEpochs: number;
  monitor: Monitor;
  augment: AugmentOptions;
  /** Weight of the subtype cross-entropy; 0 turns the subtype head off. */
  subtypeLossWeight: number;
  /**
   * Mixup's α (`mixup.ts`): every training image blended with a partner of its batch at λ ~ Beta(α, α)
   * folded to [0.5, 1], labels, loss weights and subtype targets alike (absent or 0: off).
   */
  mixup?: number;
  /**
   * Where batches are augmented and normalised: `host` (JavaScript, the default) or `device`
   * (tfjs operations on the replica's backend, from an 8-bit cache held there; `device/`).
   */
  dataPath?: DataPath;
  /**
   * Device path: feeder threads that re-encode `--aug-jpeg-source` images ahead of the steps
   * (0: each replica makes its own, between steps).
   */
  feeders?: number;
  /** Device path with feeders: how many steps ahead they work (default 4). */
  prefetch?: number;
  /** Log lines (stderr by default). */
  log?: (msg: string) => void;
  /** Show the progress bar (default true). */
  progress?: boolean;
}

/** Knowledge distillation settings of a run ({@link TrainOptions.distill}). */
export interface Distillation {
  /** the teacher's logit per manifest path (training images) */
  teacher: ReadonlyMap<string, number>;
  /** share of the loss that follows the teacher, in [0, 1] */
  weight: number;
  /** softening temperature T > 0 */
  temperature: number;
  /** where the teacher's logits came from (recorded in train_config.json) */
  source: string;
}

/** One row of `<out>/history.json`. */
export interface HistoryRow {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainBce: number;
  trainAcc: number;
  /** null in a refit without a validation split ({@link TrainOptions.stopEpoch}) */
  val: ValMetrics | null;
  imgPerSec: number;
  seconds: number;
  best: boolean;
}

/** What {@link train} returns. */
export interface TrainResult {
  epochs: number;
  bestEpoch: number;
  best: ValMetrics | null;
  history: HistoryRow[];
  /** `stop-epoch`: a refit that ran the first {@link TrainOptions.stopEpoch} epochs of its schedule */
  stoppedBy: "epochs" | "patience" | "time" | "stop-epoch";
  backends: string[];
}

/** Default config values (everything but manifest/out/spec). */
export const DEFAULT_TRAIN: Omit<TrainOptions, "manifest" | "out" | "spec"> = {
  arch: "small-gap",
  freezeEpochs: 2,
  backboneLr: 0.1,
  width: 1,
  epochs: 40,
  batch: 32,
  lr: 1e-3,
  seed: 1,
  backend: "auto",
  workers: 2,
  patience: 8,
  resume: false,
  maxMinutes: 0,
  views: [],
  balance: "sample",
  weightDecay: 1e-4,
  warmupEpochs: 1,
  monitor: "auroc",
  augment: DEFAULT_AUGMENT,
  subtypeLossWeight: 0.5,
};

/**
 * Trains a model as configured and writes `<out>/{last,best}/`, `history.json`,
 * `preprocess.json`, `train_config.json` and `predictions.json` (best checkpoint, val + test).
 *
 * @example Not run as a doc test: a real training run takes minutes to hours, and its worker
 * replicas load the trainer's TypeScript through tsx's hooks, which only Node has
 * (`deno task train` runs it; scripts/lib/train/loop.node-test.ts trains 2 small epochs under Node).
 * ```ts ignore
 * import { readSplitManifest } from "../data/split_manifest.ts";
 * const manifest = await readSplitManifest("runs/taleqani/manifest.json"); // from `deno task prepare`
 * const spec: PreprocessSpec = {
 *   size: 128,
 *   crop: "none",
 *   resize: "area",
 *   normalization: { mode: "per-image", minStd: 0.02 },
 *   channelOrder: "RGB",
 *   alphaBackground: 0,
 * };
 * const result = await train({ ...DEFAULT_TRAIN, manifest, out: "runs/x", spec });
 * console.log(`best epoch ${result.bestEpoch} of ${result.epochs}, stopped by ${result.stoppedBy}`);
 * ```
 */
export async function train(cfg: TrainOptions): Promise<TrainResult> {
  const log = cfg.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const t0 = performance.now();
  await tf.setBackend("cpu"); // the main thread only holds weights and saves checkpoints
  await mkdir(cfg.out, { recursive: true });

  // ---- data
  const m = cfg.manifest;
  const useView = (it: ManifestItem) => cfg.views.length === 0 || cfg.views.includes(it.view ?? "original");
  const trainItems = m.items.filter((it) => it.split === "train" && useView(it));
  const evalItems = m.items.filter((it) => it.split !== "train");
  const valItems = evalItems.filter((it) => it.split === "val");
  if (trainItems.length === 0) throw new Error("the manifest has no training items (check --views)");
  const stopEpoch = cfg.stopEpoch;
  if (stopEpoch !== undefined && !(Number.isInteger(stopEpoch) && stopEpoch >= 1 && stopEpoch <= cfg.epochs)) {
    throw new Error(`--stop-epoch must be a whole number from 1 to --epochs (${cfg.epochs}), got ${stopEpoch}`);
  }
  if (cfg.mixup !== undefined && !(cfg.mixup >= 0 && Number.isFinite(cfg.mixup))) {
    throw new Error(`--mixup takes α ≥ 0 (e.g. 0.2; 0 is off), got ${cfg.mixup}`);
  }
  if (cfg.mixup && cfg.distill) {
    throw new Error("--mixup with --teacher is not supported: the teacher's soft targets are per image; drop one");
  }
  if (valItems.length === 0 && stopEpoch === undefined) {
    throw new Error(
      "the manifest has no validation items; re-run prepare_data.ts with --val > 0, or refit with --stop-epoch N",
    );
  }
  const dataPath = cfg.dataPath ?? "host";
  const refusal = dataPath === "device" ? deviceAugmentRefusal(cfg.augment) : null;
  if (refusal) throw new Error(`--data-path device: ${refusal}`);
  const items = [...trainItems, ...evalItems];
  const subtypeNames = cfg.subtypeLossWeight > 0 ? (m.subtypes ?? []) : [];
  const subIndex = (it: ManifestItem) => (it.subtype ? subtypeNames.indexOf(it.subtype) : -1);
  const trainLabels = trainItems.map((it) => it.label === "all");
  const cw = classWeights(trainLabels, cfg.balance);
  const root = m.root;
  const fileOf = (it: ManifestItem) => (isAbsolute(it.path) ? it.path : join(root, it.path));

  if (cfg.resume) {
    // the loop state holds no trace of mixup, so the run's recorded options say how it was started
    const before = await readFile(runPath(cfg.out, "trainConfig"), "utf8")
      .then((t) => JSON.parse(t) as { mixup?: number }, () => null);
    if (before && (before.mixup ?? 0) !== (cfg.mixup ?? 0)) {
      throw new Error(
        `${cfg.out} was trained with --mixup ${
          before.mixup ?? 0
        }; resume it with the same --mixup, or start a new --out`,
      );
    }
  }
  await writeFile(runPath(cfg.out, "preprocess"), JSON.stringify(cfg.spec, null, 1));
  const { manifest: _m, log: _l, distill, ...rest } = cfg;
  const record: TrainConfig = {
    ...rest,
    ...(distill
      ? {
        distill: {
          source: distill.source,
          weight: distill.weight,
          temperature: distill.temperature,
          teacherImages: distill.teacher.size,
        },
      }
      : {}),
    subtypes: subtypeNames,
    dataset: m.dataset,
    root,
  };
  await writeFile(runPath(cfg.out, "trainConfig"), JSON.stringify(record, null, 1));

  // ---- model & state
  const model = await createModel(cfg.arch, {
    size: cfg.spec.size,
    subtypes: subtypeNames.length,
    seed: cfg.seed,
    width: cfg.width,
    ...(cfg.backboneUpTo ? { upTo: cfg.backboneUpTo } : {}),
  });
  const backbone = backboneOf(cfg.arch);
  model.setUserDefinedMetadata({
    preprocess: cfg.spec,
    subtypes: subtypeNames,
    architecture: cfg.arch,
    width: cfg.width,
    ...(backbone ? { backbone } : {}),
  });
  const layout = weightLayout(model);
  // pretrained: the backbone frozen for the first freezeEpochs, then at backboneLr × the head's rate
  const layerOf = layout.entries.map((e) => ({ layer: e.name.split("/")[0], size: e.size }));
  const lrScaleFor = (epoch: number) =>
    backbone ? lrFactors(layerOf, epoch < cfg.freezeEpochs ? 0 : cfg.backboneLr) : undefined;
  const teacherLogits = trainItems.map((it) => cfg.distill?.teacher.get(it.path) ?? NaN);
  if (cfg.distill && !teacherLogits.some(Number.isFinite)) {
    throw new Error(`distillation: the teacher (${cfg.distill.source}) has no logit for any training image`);
  }
  let weights = readWeights(model);
  let adam = newAdamState(layout.total);
  let state: LoopState = {
    epoch: 0,
    bestEpoch: -1,
    bestScore: -Infinity,
    bestLoss: Infinity,
    badEpochs: 0,
    seconds: 0,
  };
  const averaging = (cfg.averageEpochs ?? 0) > 0;
  if (cfg.averageEpochs !== undefined && !(cfg.averageEpochs >= 0)) {
    throw new Error(`--average-epochs must be ≥ 0 (0: off), got ${cfg.averageEpochs}`);
  }
  let average: WeightAverage | undefined = averaging ? newWeightAverage(layout.total) : undefined;
  let history: HistoryRow[] = [];
  if (cfg.resume) {
    const loaded = await loadLoopState(cfg.out, layout.total);
    if (loaded) {
      if (averaging !== (loaded.average !== undefined)) {
        throw new Error(
          `${cfg.out} was trained ${
            averaging ? "without" : "with"
          } a weight average; resume it with the same --average-epochs, or start a new --out`,
        );
      }
      weights = await loadModelWeights(runPath(cfg.out, "last"), model);
      ({ state, adam, average } = loaded);
      if (existsSync(runPath(cfg.out, "history"))) {
        history = parseHistory(JSON.parse(await readFile(runPath(cfg.out, "history"), "utf8")));
      }
      history = history.slice(0, state.epoch);
      log(
        `resuming ${cfg.out} after epoch ${state.epoch} (best ${state.bestScore.toFixed(4)} at epoch ${
          state.bestEpoch + 1
        })`,
      );
    } else {
      log(`--resume: nothing to resume in ${cfg.out}; starting fresh`);
    }
  }
  let bestWeights: Float32Array | null = null;

  // ---- replicas and cache
  const pixels = cfg.spec.size * cfg.spec.size * 3;
  const cache = new SharedArrayBuffer(items.length * pixels * 2);
  const pool = await WorkerPool.start(cfg.workers, (i) => ({
    workerIndex: i,
    arch: cfg.arch,
    width: cfg.width,
    ...(cfg.backboneUpTo ? { backboneUpTo: cfg.backboneUpTo } : {}),
    spec: cfg.spec,
    subtypes: subtypeNames.length,
    seed: cfg.seed,
    backend: cfg.backend,
    augment: cfg.augment,
    subtypeLossWeight: cfg.subtypeLossWeight,
    ...(cfg.mixup ? { mixup: cfg.mixup } : {}),
    ...(cfg.distill ? { distill: { weight: cfg.distill.weight, temperature: cfg.distill.temperature } } : {}),
    cache,
    ...(cfg.augment.jpegSource ? { files: items.map(fileOf) } : {}),
    dataPath,
  }));
  const feeders = dataPath === "device" && cfg.augment.jpegSource && (cfg.feeders ?? 0) > 0
    ? await FeederPool.start(cfg.feeders!, { spec: cfg.spec, augment: cfg.augment, files: items.map(fileOf) })
      .catch(async (err) => {
        await pool.close();
        throw err;
      })
    : null;
  let stoppedBy: TrainResult["stoppedBy"] = stopEpoch !== undefined && stopEpoch < cfg.epochs ? "stop-epoch" : "epochs";
  try {
    log(
      `${pool.size} replica(s) on ${[...new Set(pool.backends)].join("/")}, ${dataPath} data path${
        feeders ? ` with ${feeders.size} feeder thread(s)` : ""
      }; ${trainItems.length} train, ${valItems.length} val, ${
        evalItems.length - valItems.length
      } test; ${layout.total} weights`,
    );
    const decodeBar = progressBar("decode", items.length);
    const errors = await pool.decode(
      items.map((it, index) => ({ index, file: fileOf(it) })),
      (d) => cfg.progress !== false && decodeBar.update(d, ""),
    );
    if (cfg.progress !== false) decodeBar.done(`${formatDuration((performance.now() - t0) / 1000)}`);
    if (errors.length) {
      throw new Error(`cannot decode ${errors.length} image(s), e.g. ${errors[0]}; fix or re-run prepare_data.ts`);
    }

    const valIdx = valItems.map((it) => trainItems.length + evalItems.indexOf(it));
    const valPositive = valItems.map((it) => it.label === "all");
    const startSeconds = state.seconds;
    const runStart = performance.now();

    const lastEpoch = stopEpoch ?? cfg.epochs; // a refit runs the schedule's first stopEpoch epochs
    for (let epoch = state.epoch; epoch < lastEpoch; epoch++) {
      const batches = epochBatches(trainLabels, cfg.batch, cfg.seed, epoch, cfg.balance);
      const nSamples = batches.reduce((s, b) => s + b.length, 0);
      const bar = progressBar(`epoch ${epoch + 1}/${cfg.epochs}`, nSamples);
      const lrScale = lrScaleFor(epoch);
      const decay = average ? averageDecay(cfg.averageEpochs!, batches.length) : 0;
      if (backbone && epoch === cfg.freezeEpochs && cfg.freezeEpochs > 0) {
        log(`epoch ${epoch + 1}: the backbone is unfrozen (learning rate × ${cfg.backboneLr})`);
      }
      const e0 = performance.now();
      let seen = 0, lossSum = 0, bceSum = 0, correct = 0, lr = cfg.lr;
      // device path with feeders: each step's re-encoded images, made `prefetch` steps ahead
      const ahead = feeders
        ? new Prefetcher<SourceImages[]>(cfg.prefetch ?? 4, batches.length, (b) =>
          Promise.all(
            shardRanges(batches[b].length, pool.size).map(([lo, hi]) =>
              feeders.sources(mixSeed(cfg.seed, epoch, b), batches[b].slice(lo, hi))
            ),
          ))
        : null;
      for (let b = 0; b < batches.length; b++) {
        const idx = batches[b];
        lr = cosineLr(cfg.lr, epoch + b / batches.length, cfg.epochs, cfg.warmupEpochs);
        const r = await pool.step(weights, {
          indices: idx,
          labels: idx.map((i) => (trainLabels[i] ? 1 : 0)),
          subtypes: idx.map((i) => subIndex(trainItems[i])),
          sampleWeights: idx.map((i) => (trainLabels[i] ? cw.pos : cw.neg)),
          ...(cfg.distill ? { teacherLogits: idx.map((i) => teacherLogits[i]) } : {}),
          ...(backbone && epoch < cfg.freezeEpochs ? { headOnly: true } : {}),
          ...(ahead ? { sources: await ahead.get(b) } : {}),
          seed: mixSeed(cfg.seed, epoch, b),
        }, layout.trainMask);
        if (!Number.isFinite(r.lossSum)) {
          throw new Error(`loss became ${r.lossSum} at epoch ${epoch + 1} step ${b}; lower --lr`);
        }
        const next = weights.slice();
        for (let i = 0; i < next.length; i++) if (layout.trainMask[i] === 0) next[i] = r.grads[i];
        adamStep(
          next,
          r.grads,
          adam,
          { lr, weightDecay: cfg.weightDecay, lrScale },
          layout.trainMask,
          layout.decayMask,
        );
        weights = next;
        if (average) averageIn(average, weights, decay);
        seen += r.n;
        lossSum += r.lossSum;
        bceSum += r.bceSum;
        correct += r.correct;
        const ips = seen / ((performance.now() - e0) / 1000);
        if (cfg.progress !== false) {
          bar.update(
            seen,
            `loss ${(lossSum / seen).toFixed(4)} acc ${(correct / seen).toFixed(3)} ${ips.toFixed(0)} img/s lr ${
              lr.toExponential(1)
            }`,
          );
        }
      }
      const trainSeconds = (performance.now() - e0) / 1000;
      const kept = average ? average.weights : weights; // what is validated, picked and predicted with
      const val = valIdx.length > 0 ? valMetrics((await pool.predict(kept, valIdx)).logits, valPositive) : null;
      // a refit keeps its last epoch; otherwise the best by the monitored val metric
      const score = val ? monitorScore(val, cfg.monitor) : epoch;
      const isBest = stopEpoch !== undefined || improved(score, val!.loss, state.bestScore, state.bestLoss);
      const row: HistoryRow = {
        epoch: epoch + 1,
        lr,
        trainLoss: lossSum / seen,
        trainBce: bceSum / seen,
        trainAcc: correct / seen,
        val,
        imgPerSec: seen / trainSeconds,
        seconds: (performance.now() - e0) / 1000,
        best: isBest,
      };
      history.push(row);
      const valSummary = val
        ? `val loss ${val.loss.toFixed(4)} auroc ${val.auroc.toFixed(4)} bal_acc ${
          val.balancedAccuracy.toFixed(3)
        } sens ${val.sensitivity.toFixed(3)} spec ${val.specificity.toFixed(3)}`
        : "no val (refit)";
      const summary = `loss ${row.trainLoss.toFixed(4)} acc ${row.trainAcc.toFixed(3)} | ${valSummary} | ${
        row.imgPerSec.toFixed(0)
      } img/s${isBest ? " *best*" : ""}`;
      if (cfg.progress !== false) bar.done(summary);
      else log(`epoch ${epoch + 1}/${cfg.epochs} ${summary}`);
      if (isBest) {
        state = { ...state, bestEpoch: epoch, bestScore: score, bestLoss: val?.loss ?? Infinity, badEpochs: 0 };
        bestWeights = kept.slice();
        await saveModelWeights(model, kept, runPath(cfg.out, "best"));
      } else {
        state = { ...state, badEpochs: state.badEpochs + 1 };
      }
      state = { ...state, epoch: epoch + 1, seconds: startSeconds + (performance.now() - runStart) / 1000 };
      await saveModelWeights(model, weights, runPath(cfg.out, "last"));
      await saveLoopState(cfg.out, state, adam, average);
      await writeFile(runPath(cfg.out, "history"), JSON.stringify(history, null, 1));
      if (stopEpoch === undefined && state.badEpochs >= cfg.patience && epoch + 1 < cfg.epochs) {
        stoppedBy = "patience";
        log(
          `early stop: no val ${cfg.monitor} improvement for ${cfg.patience} epochs (best epoch ${
            state.bestEpoch + 1
          })`,
        );
        break;
      }
      if (cfg.maxMinutes > 0 && (performance.now() - runStart) / 60000 >= cfg.maxMinutes && epoch + 1 < lastEpoch) {
        stoppedBy = "time";
        log(`stopping: --max-minutes ${cfg.maxMinutes} reached after epoch ${epoch + 1}; continue with --resume`);
        break;
      }
    }

    // ---- predictions of the best checkpoint
    if (!bestWeights) {
      bestWeights = existsSync(runPath(cfg.out, "bestModel"))
        ? await loadModelWeights(runPath(cfg.out, "best"), model)
        : (average?.weights ?? weights);
    }
    const evalIdx = evalItems.map((_, i) => trainItems.length + i);
    const pred = await pool.predict(bestWeights, evalIdx);
    const rows = evalItems.map((it, i) => ({
      path: it.path,
      split: it.split,
      label: it.label,
      ...(it.subtype !== undefined ? { subtype: it.subtype } : {}),
      logit: pred.logits[i],
      ...(pred.subtypeLogits ? { subtypeLogits: Array.from(pred.subtypeLogits[i]) } : {}),
    }));
    await writeFile(runPath(cfg.out, "predictions"), JSON.stringify(rows));
    log(
      `wrote ${runPath(cfg.out, "predictions")} (${rows.length} rows, best epoch ${state.bestEpoch + 1}) in ${
        formatDuration((performance.now() - t0) / 1000)
      }`,
    );
    const bestRow = history.find((h) => h.epoch === state.bestEpoch + 1);
    return {
      epochs: state.epoch,
      bestEpoch: state.bestEpoch + 1,
      best: bestRow?.val ?? null,
      history,
      stoppedBy,
      backends: pool.backends,
    };
  } finally {
    await feeders?.close();
    await pool.close();
    model.dispose();
  }
}
