/**
 * A training replica (worker_threads entry). Holds one model on its own tfjs backend, decodes
 * images into the shared cache, and computes gradients of its shard of each batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { decodeImage } from "../../../model/core/mod.ts";
import { normalizeToTensor, toFloatRgb } from "../../../model/core/mod.ts";
import type { FloatRgbImage, RgbaImage } from "../../../model/core/mod.ts";
import { createModel, HEAD_LAYERS } from "../models/create.ts";
import { selectBackend } from "../tfjs/backend.ts";
import { skipInputGradient } from "../tfjs/input_grad_skip.ts";
import { applyAugment, augmentJpeg, drawSample } from "./augment.ts";
import { evalBatch, trainBatch } from "./device/batch.ts";
import { toBytes } from "./device/bytes.ts";
import { DeviceImageCache } from "./device/image_cache.ts";
import type { SourceImages } from "./feeder.ts";
import { jpegRoundTrip } from "../shift/jpeg.ts";
import type { Reply, Request, WorkerInit } from "./protocol.ts";
import { type MixupPlan, mixupPlan, mixValues } from "./mixup.ts";
import { makeRng, mixSeed } from "./rng.ts";
import { weightLayout, writeWeights } from "./weights.ts";

const init = workerData as WorkerInit;
const size = init.spec.size;
const pixels = size * size * 3;
const cache = new Uint16Array(init.cache);
const port = parentPort!;

/** Cached image `index` as a FloatRgbImage. */
function cached(index: number): FloatRgbImage {
  const src = cache.subarray(index * pixels, (index + 1) * pixels);
  const data = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) data[i] = src[i] / 65535;
  return { width: size, height: size, data };
}

/** A source image file, decoded (the cache and source-resolution augmentation both start here). */
async function readSource(file: string): Promise<RgbaImage> {
  return await decodeImage(new Uint8Array(await readFile(file)));
}

async function decodeJobs(jobs: { index: number; file: string }[]): Promise<string[]> {
  const errors: string[] = [];
  for (const job of jobs) {
    try {
      const img = await readSource(job.file);
      const f = toFloatRgb(img, init.spec);
      const dst = cache.subarray(job.index * pixels, (job.index + 1) * pixels);
      for (let i = 0; i < pixels; i++) dst[i] = Math.round(f.data[i] * 65535);
    } catch (err) {
      errors.push(`${job.file}: ${(err as Error).message}`);
    }
  }
  return errors;
}

/** Item `index` re-read from its source file, JPEG round-tripped at `quality`, then resized like the cache. */
async function sourceJpeg(index: number, quality: number): Promise<FloatRgbImage> {
  const file = init.files?.[index];
  if (!file) throw new Error(`source-resolution JPEG augmentation: no source file for item ${index}`);
  return toFloatRgb(await jpegRoundTrip(await readSource(file), quality), init.spec);
}

/** `λ·x + (1 − λ)·x[partner]` per sample of an NHWC batch (mixup; `mixup.ts`). */
function blendImages(x: tf.Tensor4D, plan: MixupPlan): tf.Tensor4D {
  return tf.tidy(() => {
    const lam = tf.tensor4d(plan.lambda, [plan.lambda.length, 1, 1, 1]);
    const partner = tf.gather(x, tf.tensor1d(plan.partner, "int32"));
    return tf.add(tf.mul(lam, x), tf.mul(tf.sub(1, lam), partner)) as tf.Tensor4D;
  });
}

/** Host path: the batch augmented and normalised in JavaScript. */
async function hostBatch(indices: number[], seed: number | null): Promise<tf.Tensor4D> {
  const buf = new Float32Array(indices.length * pixels);
  for (const [k, index] of indices.entries()) {
    let img = cached(index);
    if (seed !== null) {
      const s = drawSample(seed, index, k, init.augment, size);
      if (s.quality !== null) img = await sourceJpeg(index, s.quality);
      img = await augmentJpeg(applyAugment(img, s.augment), s.rng, init.augment);
    }
    normalizeToTensor(img, init.spec, "NHWC", buf, k * pixels);
  }
  return tf.tensor4d(buf, [indices.length, size, size, 3]);
}

let deviceCache: DeviceImageCache | null = null;

/** Device path: the whole decoded cache as 8-bit values on the backend, built at the first batch. */
function deviceImages(): DeviceImageCache {
  if (!deviceCache) {
    const bytes = new Uint8Array(cache.length);
    for (let i = 0; i < cache.length; i++) bytes[i] = Math.round(cache[i] / 257);
    deviceCache = DeviceImageCache.fromBytes(bytes, size);
  }
  return deviceCache;
}

/**
 * Device path: the batch gathered, augmented and normalised by tfjs operations; the images
 * re-encoded at the source's resolution come from the feeders (`sources`) or are made here.
 */
async function deviceBatch(indices: number[], seed: number | null, sources?: SourceImages): Promise<tf.Tensor4D> {
  if (seed === null) return evalBatch(deviceImages(), indices, init.spec);
  const draws = indices.map((index, k) => drawSample(seed, index, k, init.augment, size));
  const wanted = draws.flatMap((d, k) => (d.quality === null ? [] : [k]));
  if (sources && sources.map((s) => s.k).join() !== wanted.join()) {
    throw new Error(
      `the feeders re-encoded positions [${sources.map((s) => s.k)}], the replica drew [${wanted}]: ` +
        "feeder and replica must share the augmentation options",
    );
  }
  const made = sources ?? await Promise.all(wanted.map(async (k) => ({
    k,
    rgb: toBytes((await sourceJpeg(indices[k], draws[k].quality!)).data),
  })));
  return trainBatch(deviceImages(), indices, draws.map((d) => d.augment), made, init.spec);
}

function batchTensor(indices: number[], seed: number | null, sources?: SourceImages): Promise<tf.Tensor4D> {
  return init.dataPath === "device" ? deviceBatch(indices, seed, sources) : hostBatch(indices, seed);
}

async function main(): Promise<void> {
  const backend = await selectBackend(init.backend);
  // the image (3 channels) never needs a gradient; every inner conv of our architectures has ≥ 8 inputs
  skipInputGradient(3);
  const model = await createModel(init.arch, {
    size,
    subtypes: init.subtypes,
    seed: init.seed,
    width: init.width,
    ...(init.backboneUpTo ? { upTo: init.backboneUpTo } : {}),
  });
  const layout = weightLayout(model);
  const hasSub = model.outputs.length > 1;
  port.postMessage({ type: "ready", backend } satisfies Reply);

  const handle = async (req: Request): Promise<void> => {
    if (req.type === "close") {
      // release the GPU device before the thread ends (Dawn crashed when a thread holding one was terminated)
      model.dispose();
      deviceCache?.dispose();
      const b = tf.backend() as unknown as { dispose?(): void; device?: { destroy?(): void } };
      if (tf.getBackend() === "webgpu") {
        b.dispose?.();
        b.device?.destroy?.();
      }
      port.close();
      return;
    }
    if (req.type === "decode") {
      port.postMessage({ type: "decode", id: req.id, errors: await decodeJobs(req.jobs) } satisfies Reply);
      return;
    }
    writeWeights(model, req.weights);
    if (req.type === "predict") {
      const x = await batchTensor(req.indices, null);
      const outs = tf.tidy(() => {
        const o = model.predict(x) as tf.Tensor | tf.Tensor[];
        return Array.isArray(o) ? o : [o];
      });
      // async reads: GPU backends (webgpu) cannot read synchronously under Node
      const logits = await outs[0].data() as Float32Array;
      const sub = hasSub ? await outs[1].data() as Float32Array : null;
      tf.dispose([x, ...outs]);
      port.postMessage(
        {
          type: "predict",
          id: req.id,
          logits: logits.slice(),
          subtypeLogits: sub ? sub.slice() : null,
        } satisfies Reply,
      );
      return;
    }
    // step: dropout draws from Math.random; seed it per step and replica for reproducibility
    Math.random = makeRng(mixSeed(req.seed, 0x5eed, init.workerIndex));
    const n = req.indices.length;
    const x0 = await batchTensor(req.indices, req.seed, req.sources);
    // mixup: images, labels, loss weights and subtype targets blended with a partner of this shard
    const plan: MixupPlan | null = init.mixup
      ? mixupPlan(n, init.mixup, makeRng(mixSeed(req.seed, 0x313c, init.workerIndex)))
      : null;
    const x = plan ? blendImages(x0, plan) : x0;
    if (plan) x0.dispose();
    const y = tf.tensor2d(plan ? mixValues(req.labels, plan) : req.labels, [n, 1]);
    const yOwn = plan ? tf.tensor2d(req.labels, [n, 1]) : y;
    const sw = tf.tensor2d(plan ? mixValues(req.sampleWeights, plan) : req.sampleWeights, [n, 1]);
    const known = req.subtypes.map((s) => (s >= 0 ? 1 : 0));
    const subOneHot = hasSub
      ? tf.tidy(() => tf.oneHot(tf.tensor1d(req.subtypes.map((s) => Math.max(s, 0)), "int32"), init.subtypes))
      : null;
    const subMask = hasSub ? tf.tensor1d(known) : null;
    // distillation: soft targets σ(teacher / T) where the teacher has a logit, else the label alone
    const distill = init.distill && req.teacherLogits
      ? {
        soft: tf.tensor2d(
          req.teacherLogits.map((t) => (Number.isFinite(t) ? 1 / (1 + Math.exp(-t / init.distill!.temperature)) : 0)),
          [n, 1],
        ),
        has: tf.tensor2d(req.teacherLogits.map((t) => (Number.isFinite(t) ? 1 : 0)), [n, 1]),
      }
      : null;
    let stats: tf.Tensor | null = null;
    // a frozen backbone: only the head's variables, so backpropagation stops at the pooled features
    const vars = model.trainableWeights
      .filter((w) => !req.headOnly || HEAD_LAYERS.includes(w.originalName.split("/")[0]))
      .map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const o = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
      const outs = Array.isArray(o) ? o : [o];
      const logit = outs[0];
      // stable BCE: max(z,0) - z*y + log(1+exp(-|z|))
      const bce = tf.add(tf.sub(tf.relu(logit), tf.mul(logit, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logit)))));
      // a blend is led by its own image (λ ≥ 0.5): counted against that image's label
      const correct = tf.sum(tf.cast(tf.equal(tf.greater(logit, 0), tf.cast(yOwn, "bool")), "float32"));
      stats = tf.keep(tf.stack([tf.sum(bce), correct]));
      let loss: tf.Tensor;
      if (distill) {
        // (1 − α)·BCE(label) + α·T²·BCE(soft, z / T) where the teacher has a logit; BCE(label) elsewhere
        const { weight: a, temperature: t } = init.distill!;
        const zt = tf.div(logit, t);
        const soft = tf.add(tf.sub(tf.relu(zt), tf.mul(zt, distill.soft)), tf.log1p(tf.exp(tf.neg(tf.abs(zt)))));
        const mix = tf.add(
          tf.mul(tf.sub(1, tf.mul(a, distill.has)), bce),
          tf.mul(a * t * t, tf.mul(distill.has, soft)),
        );
        loss = tf.sum(tf.mul(mix, sw));
      } else {
        loss = tf.sum(tf.mul(bce, sw));
      }
      if (hasSub && subOneHot && subMask) {
        const logp = tf.logSoftmax(outs[1]);
        const ce = tf.neg(tf.sum(tf.mul(subOneHot, logp), 1));
        let subLoss = tf.mul(ce, subMask);
        if (plan) {
          // λ·CE(own subtype) + (1 − λ)·CE(partner's subtype), each where that subtype is known
          const partner = tf.tensor1d(plan.partner, "int32");
          const lam = tf.tensor1d(plan.lambda);
          const cePartner = tf.neg(tf.sum(tf.mul(tf.gather(subOneHot, partner), logp), 1));
          subLoss = tf.add(
            tf.mul(lam, subLoss),
            tf.mul(tf.sub(1, lam), tf.mul(cePartner, tf.gather(subMask, partner))),
          );
        }
        loss = tf.add(loss, tf.mul(init.subtypeLossWeight, tf.sum(subLoss)));
      }
      return tf.div(loss, req.batchSize) as tf.Scalar;
    }, vars);
    // one read-back per step: [loss, bce sum, correct, ...weights in layout order (gradients where
    // trainable, current values otherwise)]; layout entries are contiguous in model.weights order
    const flat = tf.tidy(() =>
      tf.concat([
        tf.reshape(value, [1]),
        stats!,
        ...model.weights.map((w, i) =>
          tf.reshape(
            layout.entries[i].trainable ? (grads[(w.read() as tf.Variable).name] ?? tf.zerosLike(w.read())) : w.read(),
            [-1],
          )
        ),
      ])
    );
    const all = await flat.data() as Float32Array;
    const lossSum = all[0] * req.batchSize, bceSum = all[1], correct = all[2];
    const out = all.slice(3, 3 + layout.total);
    tf.dispose([flat, stats!]);
    tf.dispose([value, x, y, sw, ...Object.values(grads)]);
    if (plan) yOwn.dispose();
    if (subOneHot) tf.dispose([subOneHot, subMask!]);
    if (distill) tf.dispose([distill.soft, distill.has]);
    port.postMessage({ type: "step", id: req.id, grads: out, lossSum, bceSum, correct, n } satisfies Reply, [
      out.buffer,
    ]);
  };

  let queue = Promise.resolve();
  port.on("message", (req: Request) => {
    queue = queue.then(() => handle(req)).catch((err: Error) => {
      port.postMessage(
        { type: "error", id: (req as { id?: number }).id ?? -1, message: err.stack ?? err.message } satisfies Reply,
      );
    });
  });
}

main().catch((err: Error) => {
  port.postMessage({
    type: "error",
    id: -1,
    message: `worker ${init.workerIndex} failed to start: ${err.stack ?? err.message}`,
  });
});
