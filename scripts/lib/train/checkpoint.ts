/**
 * Checkpoints: model folders (`<out>/last`, `<out>/best`) plus the optimiser and loop state that
 * `--resume` needs.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { loadLayersModel, saveLayersModel } from "../tfjs/file_io.ts";
import type { AdamState } from "./adam.ts";
import type { WeightAverage } from "./average.ts";
import { readWeights, writeWeights } from "./weights.ts";
import { parseLoopState, runPath } from "../run/run_folder.ts";

/** Loop state stored beside `<out>/last`. */
export interface LoopState {
  /** Epochs completed. */
  epoch: number;
  bestEpoch: number;
  /** Best monitored score so far (higher is better) and its val loss (tie-break). */
  bestScore: number;
  bestLoss: number;
  /** Epochs since the last improvement. */
  badEpochs: number;
  /** Wall seconds spent training so far (over all resumes). */
  seconds: number;
}

/**
 * Writes `weights` into `model` and saves it to `dir` atomically (via `dir.tmp`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * // the trainer uses buildModel; a small model here
 * const dense = () => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: "head" })] });
 * import { readWeights } from "./weights.ts";
 * const mainModel = dense();
 * const weights = readWeights(mainModel).map((w) => w + 1); // after a training step
 * const run = await Deno.makeTempDir(); // the run folder, e.g. runs/x
 * await saveModelWeights(mainModel, weights, `${run}/best`);
 * assert.ok((await Deno.stat(`${run}/best/model.json`)).isFile);
 * assert.deepEqual(readWeights(mainModel), weights); // the model holds them too
 * await Deno.remove(run, { recursive: true });
 * ```
 */
export async function saveModelWeights(model: tf.LayersModel, weights: Float32Array, dir: string): Promise<void> {
  writeWeights(model, weights);
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await saveLayersModel(model, tmp);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/**
 * Reads the weights of a saved model folder as a flat buffer laid out like `like`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * // the trainer uses buildModel; a small model here
 * const dense = () => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: "head" })] });
 * import { readWeights } from "./weights.ts";
 * const mainModel = dense();
 * const run = await Deno.makeTempDir();
 * await saveModelWeights(mainModel, readWeights(mainModel), `${run}/best`);
 * const flat = await loadModelWeights(`${run}/best`, dense());
 * assert.deepEqual(flat, readWeights(mainModel));
 * await Deno.remove(run, { recursive: true });
 * ```
 */
export async function loadModelWeights(dir: string, like: tf.LayersModel): Promise<Float32Array> {
  const loaded = await loadLayersModel(dir);
  const names = like.weights.map((w) => w.originalName);
  const got = loaded.weights.map((w) => w.originalName);
  if (names.join("|") !== got.join("|")) {
    throw new Error(
      `${dir} holds a different architecture (${got.length} weights vs ${names.length}); use the same --arch/--width/--size or another --out`,
    );
  }
  const flat = readWeights(loaded);
  loaded.dispose();
  return flat;
}

/**
 * Saves optimiser and loop state into `<out>/last` (after the model itself), and the weights'
 * moving average when the run keeps one (`--average-epochs`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newAdamState } from "./adam.ts";
 * const run = await Deno.makeTempDir(); // e.g. runs/x
 * const state = { epoch: 3, bestEpoch: 2, bestScore: 0.97, bestLoss: 0.21, badEpochs: 1, seconds: 95 };
 * await saveLoopState(run, state, newAdamState(8));
 * assert.deepEqual((await loadLoopState(run, 8))?.state, state);
 * await Deno.remove(run, { recursive: true });
 * ```
 */
export async function saveLoopState(
  out: string,
  state: LoopState,
  adam: AdamState,
  average?: WeightAverage,
): Promise<void> {
  await mkdir(runPath(out, "last"), { recursive: true });
  const buf = new Float32Array(adam.m.length * 2);
  buf.set(adam.m, 0);
  buf.set(adam.v, adam.m.length);
  await writeFile(runPath(out, "optimizer"), new Uint8Array(buf.buffer));
  if (average) await writeFile(runPath(out, "average"), new Uint8Array(average.weights.slice().buffer));
  const file = { ...state, adamT: adam.t, ...(average ? { averageTotal: average.total } : {}) };
  await writeFile(runPath(out, "loopState"), JSON.stringify(file, null, 1));
}

/** What {@link loadLoopState} restores. */
export interface ResumedLoop {
  state: LoopState;
  adam: AdamState;
  /** the weights' moving average, where the run keeps one */
  average?: WeightAverage;
}

/**
 * Loads what {@link saveLoopState} wrote, or null when `<out>/last` has no state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newAdamState } from "./adam.ts";
 * const run = await Deno.makeTempDir();
 * assert.equal(await loadLoopState(run, 8), null); // nothing to resume: start afresh
 * const adam = newAdamState(8);
 * adam.m[0] = 0.5;
 * adam.t = 12;
 * const state = { epoch: 3, bestEpoch: 2, bestScore: 0.97, bestLoss: 0.21, badEpochs: 1, seconds: 95 };
 * await saveLoopState(run, state, adam);
 * const resumed = await loadLoopState(run, 8); // the trainer passes weightLayout(model).total
 * assert.deepEqual([resumed?.adam.m[0], resumed?.adam.t, resumed?.state.epoch], [0.5, 12, 3]);
 * await assert.rejects(loadLoopState(run, 9), /start a new --out/);
 * // with --average-epochs the average comes back too
 * const average = { weights: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), total: 41.5 };
 * await saveLoopState(run, state, adam, average);
 * assert.deepEqual((await loadLoopState(run, 8))?.average, average);
 * await Deno.remove(run, { recursive: true });
 * ```
 */
export async function loadLoopState(out: string, n: number): Promise<ResumedLoop | null> {
  const stateFile = runPath(out, "loopState");
  if (!existsSync(stateFile)) return null;
  const raw = parseLoopState(JSON.parse(await readFile(stateFile, "utf8")));
  const optimizerFile = runPath(out, "optimizer");
  const bytes = await readFile(optimizerFile);
  const buf = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (buf.length !== 2 * n) {
    throw new Error(`${optimizerFile} does not match the model (${buf.length} vs ${2 * n}); start a new --out`);
  }
  const { adamT, averageTotal, ...state } = raw;
  const adam = { m: buf.slice(0, n), v: buf.slice(n), t: adamT };
  if (averageTotal === undefined) return { state, adam };
  const averageFile = runPath(out, "average");
  const avgBytes = await readFile(averageFile);
  const weights = new Float32Array(
    avgBytes.buffer.slice(avgBytes.byteOffset, avgBytes.byteOffset + avgBytes.byteLength),
  );
  if (weights.length !== n) {
    throw new Error(`${averageFile} does not match the model (${weights.length} vs ${n}); start a new --out`);
  }
  return { state, adam, average: { weights, total: averageTotal } };
}
