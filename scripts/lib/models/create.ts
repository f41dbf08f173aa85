/**
 * Every architecture the trainer can build: the from-scratch ones of `architectures.ts` and the
 * pretrained backbones of `pretrained.ts` with a new head (`gap` → dropout → `logit` and
 * `subtype_logits`, the same head names as the scratch models, so the exporter's class-activation
 * map and pooled features work unchanged).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Architecture, ARCHITECTURES, buildModel, type BuildOptions } from "./architectures.ts";
import {
  BACKBONES,
  freezeBatchNormStatistics,
  isPretrained,
  loadBackbone,
  PRETRAINED_ARCHS,
  type PretrainedArch,
} from "./pretrained.ts";

/** An architecture the trainer builds: from scratch or on a pretrained backbone. */
export type TrainArch = Architecture | PretrainedArch;

/** All of them, for CLI validation. */
export const TRAIN_ARCHS: readonly TrainArch[] = [...ARCHITECTURES, ...PRETRAINED_ARCHS];

/** The layers of the new head on a backbone; every other layer belongs to the backbone. */
export const HEAD_LAYERS: readonly string[] = ["gap", "head_dropout", "logit", "subtype_logits"];

/** Options of {@link createModel}: {@link BuildOptions} plus a backbone slice for tests. */
export interface CreateOptions extends BuildOptions {
  /** pretrained only: cut the backbone after this layer (a small slice, for tests) */
  upTo?: string;
}

/**
 * Builds an untrained model (scratch) or a pretrained backbone with a new, seeded head. A
 * backbone's BatchNormalization layers keep their pretrained statistics (inference mode) while
 * training; their scale and shift train with the rest once the backbone is unfrozen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * await tf.setBackend("cpu");
 * const model = await createModel("small-gap", { size: 32, subtypes: 4, seed: 1 });
 * assert.deepEqual(model.outputNames, ["logit", "subtype_logits"]);
 * ```
 */
export async function createModel(arch: TrainArch, opts: CreateOptions): Promise<tf.LayersModel> {
  if (!isPretrained(arch)) return buildModel(arch, opts);
  if (opts.width !== undefined && opts.width !== 1) {
    throw new Error(`width applies to small-gap only (got ${arch})`);
  }
  const backbone = await loadBackbone(arch, { size: opts.size, upTo: opts.upTo });
  freezeBatchNormStatistics(backbone.layers);
  let seed = opts.seed * 1000 + 500;
  const denseInit = () => tf.initializers.glorotUniform({ seed: seed++ });
  const features = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(backbone.outputs[0]) as tf.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: opts.dropout ?? 0.2, seed: seed++, name: "head_dropout" })
    .apply(features) as tf.SymbolicTensor;
  const outputs = [
    tf.layers.dense({ units: 1, kernelInitializer: denseInit(), name: "logit" }).apply(dropped) as tf.SymbolicTensor,
  ];
  if (opts.subtypes && opts.subtypes > 0) {
    outputs.push(
      tf.layers.dense({ units: opts.subtypes, kernelInitializer: denseInit(), name: "subtype_logits" })
        .apply(dropped) as tf.SymbolicTensor,
    );
  }
  return tf.model({ inputs: backbone.inputs, outputs, name: `${arch}_${opts.size}` });
}

/**
 * Per-weight learning-rate factors for a model's flat weights (the trainer's layout order, one
 * entry per element): `backbone` for every weight outside {@link HEAD_LAYERS}, 1 for the head. A
 * factor of 0 freezes the backbone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const entries = [{ layer: "Conv1", size: 2 }, { layer: "logit", size: 1 }];
 * assert.deepEqual([...lrFactors(entries, 0.1)], [0.1, 0.1, 1].map(Math.fround));
 * ```
 */
export function lrFactors(entries: readonly { layer: string; size: number }[], backbone: number): Float32Array {
  const out = new Float32Array(entries.reduce((n, e) => n + e.size, 0));
  let at = 0;
  for (const e of entries) {
    out.fill(HEAD_LAYERS.includes(e.layer) ? 1 : backbone, at, at + e.size);
    at += e.size;
  }
  return out;
}

/** What the model card records of a pretrained backbone (undefined for scratch architectures). */
export function backboneOf(arch: TrainArch): (typeof BACKBONES)[PretrainedArch] | undefined {
  return isPretrained(arch) ? BACKBONES[arch] : undefined;
}
