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
 * await saveModelWeights(mainModel, weights, "runs/x/best");
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
 * const flat = await loadModelWeights("runs/x/best", mainModel);
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
 * Saves optimiser and loop state into `<out>/last` (after the model itself).
 *
 * @example
 * ```ts
 * await saveLoopState("runs/x", state, adam);
 * ```
 */
export async function saveLoopState(out: string, state: LoopState, adam: AdamState): Promise<void> {
  await mkdir(runPath(out, "last"), { recursive: true });
  const buf = new Float32Array(adam.m.length * 2);
  buf.set(adam.m, 0);
  buf.set(adam.v, adam.m.length);
  await writeFile(runPath(out, "optimizer"), new Uint8Array(buf.buffer));
  await writeFile(runPath(out, "loopState"), JSON.stringify({ ...state, adamT: adam.t }, null, 1));
}

/**
 * Loads what {@link saveLoopState} wrote, or null when `<out>/last` has no state.
 *
 * @example
 * ```ts
 * const resumed = await loadLoopState("runs/x", layout.total);
 * ```
 */
export async function loadLoopState(out: string, n: number): Promise<{ state: LoopState; adam: AdamState } | null> {
  const stateFile = runPath(out, "loopState");
  if (!existsSync(stateFile)) return null;
  const raw = parseLoopState(JSON.parse(await readFile(stateFile, "utf8")));
  const optimizerFile = runPath(out, "optimizer");
  const bytes = await readFile(optimizerFile);
  const buf = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (buf.length !== 2 * n) {
    throw new Error(`${optimizerFile} does not match the model (${buf.length} vs ${2 * n}); start a new --out`);
  }
  const { adamT, ...state } = raw;
  return { state, adam: { m: buf.slice(0, n), v: buf.slice(n), t: adamT } };
}
