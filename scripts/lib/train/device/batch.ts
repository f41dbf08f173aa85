/**
 * One batch of the device data path: the cached 8-bit images gathered on the backend, the
 * images re-encoded at the source's resolution (made on the host, by the replica itself or ahead of
 * time by the feeder threads) put in their places, each image's drawn augmentation applied
 * ({@link augmentBatch}) and the batch normalised as the model card says ({@link normalizeBatch}).
 *
 * Every random number comes from `drawSample` (`../augment.ts`), which the host data path uses too: for one
 * seed, the two paths train on the same augmented images, to float rounding and the 8-bit cache.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { PreprocessSpec } from "../../../../model/core/mod.ts";
import type { AugmentDraw } from "../augment.ts";
import { augmentBatch } from "./augment_ops.ts";
import type { DeviceImageCache } from "./image_cache.ts";
import { normalizeBatch } from "./normalize_ops.ts";

/**
 * The normalised training batch of a shard: cached images at `indices`, except the positions
 * listed in `sources` (8-bit RGB of each re-encoded image, in position order), each augmented with
 * its draw. Does not keep anything on the backend but the returned tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { drawSample, NO_AUGMENT } from "../augment.ts";
 * import { DeviceImageCache } from "./image_cache.ts";
 * await tf.setBackend("cpu");
 * import type { PreprocessSpec } from "../../../../model/core/mod.ts";
 * const spec: PreprocessSpec = { size: 2, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] } };
 * const cache = DeviceImageCache.fromBytes(new Uint8Array(2 * 12).fill(51), 2); // two grey 2×2 images
 * const draws = [drawSample(1, 1, 0, NO_AUGMENT, 2).augment];
 * const x = trainBatch(cache, [1], draws, [{ k: 0, rgb: new Uint8Array(12).fill(255) }], spec);
 * assert.deepEqual(Array.from(x.dataSync()), new Array(12).fill(1)); // the re-encoded image, not the cached one
 * tf.dispose([x]);
 * cache.dispose();
 * ```
 */
export function trainBatch(
  cache: DeviceImageCache,
  indices: readonly number[],
  draws: readonly AugmentDraw[],
  sources: readonly { k: number; rgb: Uint8Array }[],
  spec: PreprocessSpec,
): tf.Tensor4D {
  if (draws.length !== indices.length) {
    throw new RangeError(`trainBatch: ${draws.length} draws for ${indices.length} images`);
  }
  const replaced = new Map(sources.map((s, j) => [s.k, j]));
  if (replaced.size !== sources.length || sources.some((s) => s.k < 0 || s.k >= indices.length)) {
    throw new RangeError(`trainBatch: source images must name distinct positions in 0…${indices.length - 1}`);
  }
  const kept = indices.map((index, k) => ({ index, k })).filter((s) => !replaced.has(s.k));
  // position k of the batch: kept images first, then the source images, in position order each
  const order = new Int32Array(indices.length);
  kept.forEach((s, j) => (order[s.k] = j));
  sources.forEach((s, j) => (order[s.k] = kept.length + j));
  const extra = new Uint8Array(sources.reduce((n, s) => n + s.rgb.length, 0));
  sources.reduce((o, s) => (extra.set(s.rgb, o), o + s.rgb.length), 0);
  const gathered = cache.batch(kept.map((s) => s.index), extra);
  return tf.tidy(() => {
    const x = sources.length > 0 ? tf.gather(gathered, tf.tensor1d(order, "int32")) as tf.Tensor4D : gathered;
    const augmented = augmentBatch(x, draws);
    gathered.dispose();
    return normalizeBatch(augmented, spec);
  });
}

/**
 * The normalised, unaugmented batch of cached images at `indices` (validation and prediction).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { DeviceImageCache } from "./image_cache.ts";
 * await tf.setBackend("cpu");
 * import type { PreprocessSpec } from "../../../../model/core/mod.ts";
 * const spec: PreprocessSpec = { size: 1, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   normalization: { mode: "fixed", mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } };
 * const cache = DeviceImageCache.fromBytes(new Uint8Array([255, 0, 255]), 1);
 * const x = evalBatch(cache, [0], spec);
 * assert.deepEqual(Array.from(x.dataSync()), [1, -1, 1]);
 * tf.dispose([x]);
 * cache.dispose();
 * ```
 */
export function evalBatch(cache: DeviceImageCache, indices: readonly number[], spec: PreprocessSpec): tf.Tensor4D {
  const x = cache.batch(indices);
  const out = normalizeBatch(x, spec);
  x.dispose();
  return out;
}
