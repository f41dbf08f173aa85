/**
 * The pretrained backbones as data (no tfjs): where each comes from, as the model card names it,
 * and which layer ends it. `pretrained.ts` loads them; the card step reads this without loading
 * TensorFlow.js.
 *
 * @module
 */

/** Architectures built on a pretrained backbone. */
export type PretrainedArch = "mobilenetv2" | "inceptionv3";

/** Names of the pretrained architectures, for CLI validation. */
export const PRETRAINED_ARCHS: readonly PretrainedArch[] = ["mobilenetv2", "inceptionv3"];

/** Where a backbone comes from, as the model card names it. */
export interface BackboneSource {
  /** the architecture's name in the literature */
  name: string;
  /** npm package and the exact version whose weights were read */
  package: "nsfwjs";
  version: string;
  licence: "MIT";
  /** folder of `dist/models/` */
  folder: string;
  /** weight shards (`group1-shardKofN.min.js`) */
  shards: number;
  /** the backbone's last layer (its pooled output feeds the new head) */
  featureLayer: string;
  /** side the package's model was trained at */
  nativeSize: number;
  /** input scaling the package uses: RGB / 255, no mean subtraction */
  input: "rgb/255";
  /** what the weights were trained on before this project */
  weights: string;
}

/** The backbones this module knows, and the package version they were checked against. */
export const BACKBONES: Readonly<Record<PretrainedArch, BackboneSource>> = Object.freeze({
  mobilenetv2: {
    name: "MobileNetV2 (α 1.0)",
    package: "nsfwjs",
    version: "4.4.0",
    licence: "MIT",
    folder: "mobilenet_v2",
    shards: 1,
    featureLayer: "out_relu",
    nativeSize: 224,
    input: "rgb/255",
    weights:
      "ImageNet-initialised, fine-tuned by nsfwjs's authors on natural photographs (its 5-class classifier head dropped)",
  },
  inceptionv3: {
    name: "InceptionV3",
    package: "nsfwjs",
    version: "4.4.0",
    licence: "MIT",
    folder: "inception_v3",
    shards: 6,
    featureLayer: "mixed10",
    nativeSize: 299,
    input: "rgb/255",
    weights:
      "ImageNet-initialised, fine-tuned by nsfwjs's authors on natural photographs (its 5-class classifier head dropped)",
  },
});

/**
 * Whether `arch` names a pretrained architecture.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isPretrained("mobilenetv2"), true);
 * assert.equal(isPretrained("small-gap"), false);
 * ```
 */
export function isPretrained(arch: string): arch is PretrainedArch {
  return (PRETRAINED_ARCHS as readonly string[]).includes(arch);
}
