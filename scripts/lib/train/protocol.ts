/**
 * Messages between the training main thread and its worker replicas.
 *
 * @module
 */
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import type { TrainArch } from "../models/create.ts";
import type { BackendName } from "../tfjs/backend.ts";
import type { AugmentOptions } from "./augment.ts";
import type { SourceImages } from "./feeder.ts";

/**
 * Where a replica augments and normalises its batches: `host` in JavaScript from the Uint16 cache
 * (every CPU replica), `device` as tfjs operations on its backend from an 8-bit copy of the cache
 * held there (`device/`; a GPU replica).
 */
export type DataPath = "host" | "device";

/** `workerData` of every replica. */
export interface WorkerInit {
  workerIndex: number;
  arch: TrainArch;
  /** small-gap's width multiplier (absent: 1). */
  width?: number;
  /** pretrained: cut the backbone after this layer (tests) */
  backboneUpTo?: string;
  spec: PreprocessSpec;
  subtypes: number;
  seed: number;
  backend: BackendName;
  augment: AugmentOptions;
  /** Weight of the subtype cross-entropy in the loss. */
  subtypeLossWeight: number;
  /** Knowledge distillation: the teacher's share of the loss and the temperature. */
  distill?: { weight: number; temperature: number };
  /** Mixup's α (`mixup.ts`): each sample blended with a partner from its shard (absent: off). */
  mixup?: number;
  /** Decoded+resized images, Uint16 (value·65535), [items, size, size, 3]. */
  cache: SharedArrayBuffer;
  /** Source file of every cached item (index order); read again by source-resolution augmentation. */
  files?: string[];
  /** Where batches are augmented and normalised (absent: host). */
  dataPath?: DataPath;
}

/** One item to decode into the cache. */
export interface DecodeJob {
  index: number;
  file: string;
}

/** Requests the main thread sends. */
export type Request =
  | { type: "decode"; id: number; jobs: DecodeJob[] }
  | {
    type: "step";
    id: number;
    weights: Float32Array;
    indices: number[];
    /** 1 = all, 0 = normal. */
    labels: number[];
    /** Subtype index, -1 when unknown. */
    subtypes: number[];
    /** Per-sample loss weight. */
    sampleWeights: number[];
    /** Distillation: the teacher's logit per sample (NaN: none). */
    teacherLogits?: number[];
    /** Pretrained backbone frozen: gradients of the head only (the backbone's come back as zeros). */
    headOnly?: boolean;
    /** Size of the whole batch (the loss is summed over the shard and divided by this). */
    batchSize: number;
    seed: number;
    /**
     * Device path: this shard's images re-encoded at the source's resolution, made ahead by the
     * feeder threads (absent: the replica makes them itself).
     */
    sources?: SourceImages;
  }
  | { type: "predict"; id: number; weights: Float32Array; indices: number[] }
  | { type: "close" };

/** Replies. `grads` holds gradients at trainable positions and new values elsewhere (BN statistics). */
export type Reply =
  | { type: "ready"; backend: string }
  | { type: "decode"; id: number; errors: string[] }
  | { type: "step"; id: number; grads: Float32Array; lossSum: number; bceSum: number; correct: number; n: number }
  | { type: "predict"; id: number; logits: Float32Array; subtypeLogits: Float32Array | null }
  | { type: "error"; id: number; message: string };
