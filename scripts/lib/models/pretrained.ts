/**
 * Pretrained backbones from the installed npm package `nsfwjs` (MIT): its Keras 2.2.4 layers models
 * of MobileNetV2 (224 px) and InceptionV3 (299 px), ImageNet-initialised and fine-tuned by its
 * authors on natural photographs, stored inside the package as JS modules that wrap the model JSON
 * and base64 weight shards (uint8-quantized). Nothing is downloaded: the weights are read from
 * `node_modules/nsfwjs/dist/models/`. Only the convolutional backbone is kept (up to its last
 * feature layer, or an earlier layer for a small slice in tests); nsfwjs's own classifier head is
 * dropped. The input side can differ from the native one (the kept layers are all convolutional).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { BACKBONES, type PretrainedArch } from "./backbones.ts";

export { BACKBONES, type BackboneSource, isPretrained, PRETRAINED_ARCHS, type PretrainedArch } from "./backbones.ts";

/** A Keras layer entry of a model JSON. */
export interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

/** The parts of a Keras functional model JSON this module reads and rewrites (`modelTopology`). */
export interface TopologyJson {
  model_config: {
    class_name: string;
    config: {
      name: string;
      layers: LayerJson[];
      input_layers: (string | number)[][];
      output_layers: (string | number)[][];
    };
  };
  [key: string]: unknown;
}

/** The layer names an inbound-nodes entry refers to (`[[["name", 0, 0, {}], …]]`). */
function inboundNames(layer: LayerJson): string[] {
  const names: string[] = [];
  for (const node of layer.inbound_nodes as unknown[][][]) {
    for (const ref of node) names.push(String(ref[0]));
  }
  return names;
}

/**
 * The topology cut after `lastLayer` (only its ancestors kept, in their order), with the input
 * renamed `image` and sized `size`×`size`×3, and every kept layer trainable (the schedule decides
 * what trains). Pure: the argument is not changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ref = (n: string) => [[[n, 0, 0, {}]]];
 * const topo = { model_config: { class_name: "Model", config: { name: "m",
 *   layers: [
 *     { name: "input_1", class_name: "InputLayer", config: { batch_input_shape: [null, 224, 224, 3] }, inbound_nodes: [] },
 *     { name: "a", class_name: "Conv2D", config: { trainable: false }, inbound_nodes: ref("input_1") },
 *     { name: "b", class_name: "Conv2D", config: {}, inbound_nodes: ref("a") },
 *     { name: "head", class_name: "Dense", config: {}, inbound_nodes: ref("b") },
 *   ],
 *   input_layers: [["input_1", 0, 0]], output_layers: [["head", 0, 0]] } } };
 * const cut = cutTopology(topo, "a", 96);
 * assert.deepEqual(cut.model_config.config.layers.map((l) => l.name), ["image", "a"]);
 * assert.deepEqual(cut.model_config.config.layers[0].config.batch_input_shape, [null, 96, 96, 3]);
 * assert.equal(cut.model_config.config.layers[1].config.trainable, true);
 * assert.deepEqual(cut.model_config.config.output_layers, [["a", 0, 0]]);
 * assert.equal(topo.model_config.config.layers.length, 4); // unchanged
 * ```
 */
export function cutTopology(topology: TopologyJson, lastLayer: string, size: number): TopologyJson {
  const cfg = topology.model_config.config;
  const byName = new Map(cfg.layers.map((l) => [l.name, l]));
  if (!byName.has(lastLayer)) {
    throw new Error(`the backbone has no layer "${lastLayer}" (it has ${cfg.layers.length} layers)`);
  }
  if (cfg.input_layers.length !== 1) throw new Error(`the backbone has ${cfg.input_layers.length} inputs; expected 1`);
  const inputName = String(cfg.input_layers[0][0]);
  const keep = new Set<string>();
  const stack = [lastLayer];
  while (stack.length) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    const layer = byName.get(name);
    if (!layer) throw new Error(`the backbone's layer graph refers to a missing layer "${name}"`);
    stack.push(...inboundNames(layer));
  }
  const rename = (n: string) => (n === inputName ? "image" : n);
  const layers = cfg.layers.filter((l) => keep.has(l.name)).map((l): LayerJson => {
    const copy = structuredClone(l);
    copy.name = rename(copy.name);
    copy.config = { ...copy.config, name: copy.name, trainable: true };
    if (copy.class_name === "InputLayer") copy.config.batch_input_shape = [null, size, size, 3];
    for (const node of copy.inbound_nodes as unknown[][][]) for (const ref of node) ref[0] = rename(String(ref[0]));
    return copy;
  });
  return {
    ...topology,
    model_config: {
      ...topology.model_config,
      config: {
        ...cfg,
        name: `${cfg.name}_backbone`,
        layers,
        input_layers: [["image", 0, 0]],
        output_layers: [[lastLayer, 0, 0]],
      },
    },
  };
}

/** A weight entry of a tfjs weights manifest. */
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  quantization?: { dtype: "uint8" | "uint16" | "float16"; min?: number; scale?: number };
}

/** Bytes a weight entry takes in the weight data. */
function specBytes(spec: WeightSpec): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  return n * (q === "uint8" ? 1 : q === "uint16" || q === "float16" ? 2 : 4);
}

/**
 * Only the weights of the kept layers (a weight's layer is its name up to the first `/`), and
 * their bytes, so that tfjs loads them strictly (every weight of the cut model present, none spare).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const specs = [
 *   { name: "a/kernel", shape: [2], dtype: "float32" as const, quantization: { dtype: "uint8" as const, min: 0, scale: 1 } },
 *   { name: "head/kernel", shape: [3], dtype: "float32" as const },
 *   { name: "b/bias", shape: [1], dtype: "float32" as const },
 * ];
 * const data = new Uint8Array([1, 2, ...new Uint8Array(12), 9, 9, 9, 9]).buffer;
 * const kept = keepWeights(specs, data, new Set(["a", "b"]));
 * assert.deepEqual(kept.specs.map((s) => s.name), ["a/kernel", "b/bias"]);
 * assert.deepEqual([...new Uint8Array(kept.data)], [1, 2, 9, 9, 9, 9]);
 * ```
 */
export function keepWeights(
  specs: readonly WeightSpec[],
  data: ArrayBuffer,
  layers: ReadonlySet<string>,
): { specs: WeightSpec[]; data: ArrayBuffer } {
  const kept: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const bytes = specBytes(spec);
    if (layers.has(spec.name.split("/")[0])) {
      kept.push(spec);
      parts.push(new Uint8Array(data, offset, bytes));
    }
    offset += bytes;
  }
  if (offset !== data.byteLength) {
    throw new Error(`the weight manifest describes ${offset} bytes but the shards hold ${data.byteLength}`);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { specs: kept, data: out.buffer };
}

/** The installed nsfwjs's root folder and version; throws with what to do when it is missing. */
function nsfwjsRoot(): { root: string; version: string } {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve("nsfwjs");
  } catch {
    throw new Error("the pretrained backbones come from the npm package nsfwjs 4.4.0; run npm ci");
  }
  // dist/cjs/index.js → the package root
  const root = join(dirname(main), "..", "..");
  const version = String(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  return { root, version };
}

/** Options of {@link loadBackbone}. */
export interface BackboneOptions {
  /** input side in pixels (default: the backbone's native side) */
  size?: number;
  /** cut after this layer instead of the feature layer (a small slice for tests) */
  upTo?: string;
}

/**
 * The pretrained backbone as a tfjs layers model: input `image` (RGB / 255, `[null, size, size,
 * 3]`), output the feature layer's map. Throws when nsfwjs is missing or not the version its
 * weights were checked against.
 *
 * @example Not run as a doc test (reads the 3.5 MB package); `pretrained_test.ts` loads it.
 * ```ts ignore
 * const backbone = await loadBackbone("mobilenetv2", { size: 128 });
 * backbone.outputs[0].shape; // [null, 4, 4, 1280]
 * ```
 */
export async function loadBackbone(arch: PretrainedArch, opts: BackboneOptions = {}): Promise<tf.LayersModel> {
  const src = BACKBONES[arch];
  const { root, version } = nsfwjsRoot();
  if (version !== src.version) {
    throw new Error(
      `${src.name} was checked against nsfwjs ${src.version}, but ${version} is installed; run npm ci`,
    );
  }
  const size = opts.size ?? src.nativeSize;
  if (!Number.isInteger(size) || size < 32) {
    throw new Error(`backbone input size must be an integer ≥ 32 (got ${size})`);
  }
  const require = createRequire(import.meta.url);
  const dir = join(root, "dist", "models", src.folder);
  const json = require(join(dir, "model.min.js")) as {
    modelTopology: TopologyJson;
    weightsManifest: { weights: WeightSpec[] }[];
  };
  const shards: Buffer[] = [];
  for (let k = 1; k <= src.shards; k++) {
    shards.push(Buffer.from(require(join(dir, `group1-shard${k}of${src.shards}.min.js`)) as string, "base64"));
  }
  const all = Buffer.concat(shards);
  const topology = cutTopology(json.modelTopology, opts.upTo ?? src.featureLayer, size);
  const layerNames = new Set(topology.model_config.config.layers.map((l) => l.name));
  const weights = keepWeights(
    json.weightsManifest.flatMap((g) => g.weights),
    all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    layerNames,
  );
  return await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: topology as unknown as tf.io.ModelJSON["modelTopology"],
      weightSpecs: weights.specs as tf.io.WeightsManifestEntry[],
      weightData: weights.data,
    }),
    { strict: true },
  );
}

/**
 * Makes every BatchNormalization layer among `layers` run in inference mode even when the model is
 * applied with `training: true`: its moving statistics stay those of the pretrained backbone (as
 * Keras advises when fine-tuning on a small data set), while its scale and shift still train. The
 * layer then computes `x · k + b` with k = γ / √(σ² + ε) and b = β − μ · k, as broadcast ops whose
 * gradients reduce over the channel axis; tfjs's own FusedBatchNorm gradient tiles its parameters
 * to the activation's full shape, which took a third of a MobileNetV2 training step on wasm.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const bn = tf.layers.batchNormalization({ name: "bn" });
 * const input = tf.input({ shape: [2] });
 * const model = tf.model({ inputs: input, outputs: bn.apply(input) as tf.SymbolicTensor });
 * bn.setWeights([tf.tensor1d([2, 1]), tf.tensor1d([0.5, 0]), tf.tensor1d([1, 0]), tf.tensor1d([4, 1])]);
 * freezeBatchNormStatistics(model.layers);
 * const y = model.apply(tf.tensor2d([[3, 4], [5, 6]]), { training: true }) as tf.Tensor;
 * // the moving statistics, not the batch's: (3 − 1) · 2 / √4.001 + 0.5 ≈ 2.5; batch mode would give ≈ −1.5
 * assert.deepEqual((y.arraySync() as number[][])[0].map((v) => v.toFixed(2)), ["2.50", "4.00"]);
 * ```
 */
export function freezeBatchNormStatistics(layers: readonly tf.layers.Layer[]): void {
  for (const layer of layers) {
    if (layer.getClassName() !== "BatchNormalization") continue;
    const cfg = layer.getConfig() as { axis?: number | number[]; epsilon?: number; center?: boolean; scale?: boolean };
    const axis = Array.isArray(cfg.axis) ? cfg.axis[0] : cfg.axis ?? -1;
    if (axis !== -1 && axis !== 3) {
      throw new Error(
        `freezeBatchNormStatistics: ${layer.name} normalises axis ${axis}; only channels-last is supported`,
      );
    }
    const eps = cfg.epsilon ?? 1e-3;
    const weight = (suffix: string) => layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
    const gamma = cfg.scale === false ? undefined : weight("gamma");
    const beta = cfg.center === false ? undefined : weight("beta");
    const mean = weight("moving_mean"), variance = weight("moving_variance");
    if (!mean || !variance) throw new Error(`freezeBatchNormStatistics: ${layer.name} has no moving statistics`);
    layer.call = (inputs) =>
      tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        let k = tf.rsqrt(tf.add(variance.read(), eps));
        if (gamma) k = tf.mul(k, gamma.read());
        let b = tf.neg(tf.mul(mean.read(), k));
        if (beta) b = tf.add(b, beta.read());
        return tf.add(tf.mul(x, k), b);
      });
  }
}
