/**
 * Save and load TensorFlow.js layers models as the standard `model.json` + `weights.bin` pair,
 * with plain file I/O (no tfjs-node needed).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Writes `dir/model.json` and `dir/weights.bin`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const dir = await Deno.makeTempDir(); // the trainer: runs/<run>/best
 * await saveLayersModel(model, `${dir}/best`);
 * assert.deepEqual([...Deno.readDirSync(`${dir}/best`)].map((e) => e.name).sort(), ["model.json", "weights.bin"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weightData = artifacts.weightData instanceof ArrayBuffer
      ? new Uint8Array(artifacts.weightData)
      : new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer[]));
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      userDefinedMetadata: artifacts.userDefinedMetadata,
    };
    await writeFile(join(dir, "weights.bin"), weightData);
    await writeFile(join(dir, "model.json"), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
}

/**
 * Reads a model written by {@link saveLayersModel} (or by tfjs's own file saver).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const saved = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * const dir = await Deno.makeTempDir();
 * await saveLayersModel(saved, dir);
 * const model = await loadLayersModel(dir); // e.g. runs/<run>/best
 * const x = tf.ones([1, 3]);
 * assert.deepEqual((model.predict(x) as tf.Tensor).dataSync(), (saved.predict(x) as tf.Tensor).dataSync());
 * await assert.rejects(loadLayersModel(`${dir}/none`), /pass the folder that train.ts wrote/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  let json: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    userDefinedMetadata?: object;
  };
  try {
    json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  } catch (err) {
    throw new Error(
      `cannot read ${join(dir, "model.json")}: ${(err as Error).message}; pass the folder that train.ts wrote`,
    );
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) parts.push(new Uint8Array(await readFile(join(dir, p))));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    weightData.set(p, off);
    off += p.length;
  }
  return await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer,
    userDefinedMetadata: json.userDefinedMetadata,
  }));
}
