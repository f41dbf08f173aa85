/**
 * Trains the ALL-vs-normal model from a split manifest.
 *
 * ```sh
 * deno task train --manifest runs/taleqani/manifest.json --out runs/taleqani/small-gap-128 \
 *   --arch small-gap --size 128 --epochs 40 --batch 32 --lr 1e-3 --seed 1 --backend auto \
 *   --workers 2 --patience 8 [--resume] [--max-minutes 55]
 * ```
 *
 * Writes `<out>/{last,best}/` (tfjs layers models), `history.json`, `preprocess.json`,
 * `train_config.json` and `predictions.json` (best checkpoint on val + test).
 *
 * @module
 */
import { availableParallelism } from "node:os";
import type { PreprocessSpec } from "../model/core/mod.ts";
import type { TrainArch } from "./lib/models/create.ts";
import type { BackendName } from "./lib/tfjs/backend.ts";
import type { Balance } from "./lib/train/sampler.ts";
import type { AugmentOptions } from "./lib/train/augment.ts";
import type { Monitor } from "./lib/train/val_metrics.ts";
import { cliArgs } from "./lib/run/cli.ts";

const USAGE = `Usage: deno task train --manifest <manifest.json> --out <dir> [options]
  (node --import tsx scripts/train.ts …)
  --arch small-gap|original|mobilenetv2|inceptionv3   (small-gap)      --size N   input side (128)
                   mobilenetv2/inceptionv3: nsfwjs 4.4.0's pretrained backbone (MIT, read from node_modules)
                   with a new head; input RGB / 255 as the backbone was trained (any --size ≥ 32)
  --freeze-epochs N  pretrained: only the head trains for the first N epochs (2)
  --backbone-lr X  pretrained: the backbone's learning-rate factor after that (0.1)
  --teacher FILE   distillation: the teacher's logits (deno task teacher) mixed into the loss
  --distill-weight X (0.5)  --distill-temperature T (2)
  --width X        small-gap's width multiplier (1): filters ×X, rounded to multiples of 8
  --epochs N (40)  --batch N (32)  --lr X (1e-3)  --seed N (1)  --patience N (8)
  --stop-epoch N   a refit: run the first N epochs of the --epochs schedule, keep the last weights, no
                   early stopping; the manifest may have no val split (N from the folds' best epochs)
  --average-epochs H  validate, pick and keep a moving average of the weights over about H epochs
                   (scripts/lib/train/average.ts) instead of the last step's; e.g. 2 (off)
  --backend auto|tfjs-node-gpu|tfjs-node|webgpu|wasm|cpu (auto)
  --workers N      replicas: one per core (${availableParallelism()}), or 1 on a GPU (webgpu)
  --data-path host|device (host)  device: augment and normalise on the replica's backend from an 8-bit
                   image cache held there (for a GPU; --aug-hsv, --aug-acq and --aug-jpeg are host-only)
  --feeders N      device path with --aug-jpeg-source: threads re-encoding ahead (cores − replicas − 1, ≥ 1)
  --prefetch N     how many steps ahead the feeders work (4)
  --resume         continue from <out>/last     --max-minutes N  stop after the epoch past N minutes
  --views a,b      training views (default: all in the manifest, e.g. original,segmented)
  --balance sample|weight|none (sample)        --weight-decay X (1e-4)   --warmup N epochs (1)
  --monitor auroc|bal_acc|loss (auroc)         --subtype-weight X (0.5; 0 = no subtype head)
  --mixup A        mixup: each training image blended with another of its batch at λ ~ Beta(A, A) folded
                   to [0.5, 1], labels and loss alike (scripts/lib/train/mixup.ts); e.g. 0.2 (off)
  --normalization per-image|fixed (per-image)  --min-std X (0.02)        --no-augment
  --aug-hsv V,S,H  extra HSV jitter (value, saturation, hue), e.g. 0.2,0.4,0.1 (off)
  --aug-acq G,B,C  acquisition jitter: channel gain ±G, blur probability B, 4:2:0 chroma probability C (off)
  --aug-tone T,K,A training-only acquisition families (scripts/lib/train/tone.ts): tone-curve strength T in
                   [0, 1], luma-dependent chroma ±K (≤ 2), random crop of A–100% of the area; e.g. 0.8,0.6,0.64 (off)
  --aug-zoom-out S with --aug-tone: half the images shrunk to S–100% on their own background colour (off)
  --aug-jpeg P,Q1,Q2  re-encode as JPEG with probability P at a quality in [Q1, Q2] (off)
  --aug-jpeg-source P,Q1,Q2  the same at the source image's resolution, before the resize (off)
  --white-balance F  white-balance each image on its brightest F of pixels, e.g. 0.1 (off)
  --scale-normalize R  bring every field's red cells to radius R pixels of a 224-px working image
                   before the resize (model/core/preprocess/scale.ts), e.g. 8 (off)
  --scale-zoom LO,HI the least and largest zoom scale normalisation applies (0.8,1.6)
  --stain-normalize macenko  redraw every image with reference stains after the white balance
                   (model/core/preprocess/stain.ts); the reference is fitted on every 4th original
                   training image (off)
  --color rgb|grey|relative-chroma (rgb)  grey: luma only; relative-chroma: saturation + chroma
                   relative to the image's mean hue (invariant to hue rotation and brightness)
  --quiet          no progress bar
Writes <out>/{last,best}/, history.json, preprocess.json, train_config.json and predictions.json.
Next: deno task evaluate.`;

function fail(msg: string): never {
  process.stderr.write(`train.ts: ${msg} (see --help)\n`);
  process.exit(2);
}

function num(v: string | undefined, name: string, dflt: number, integer = false): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    fail(`--${name} must be ${integer ? "an integer" : "a number"} (got "${v}")`);
  }
  return n;
}

function nonNegative(v: string, name: string): number {
  const n = num(v, name, 0);
  if (n < 0) fail(`--${name} must be ≥ 0 (0: off), got ${v}`);
  return n;
}

function oneOf<T extends string>(v: string | undefined, name: string, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!allowed.includes(v as T)) fail(`--${name} must be one of ${allowed.join(", ")} (got "${v}")`);
  return v as T;
}

const a = cliArgs({
  name: "train.ts",
  usage: USAGE,
  example:
    "deno task train --manifest runs/taleqani/manifest.json --out runs/taleqani/small-gap-96 --size 96 --epochs 30",
  options: {
    manifest: { type: "string" },
    out: { type: "string" },
    arch: { type: "string" },
    "freeze-epochs": { type: "string" },
    "backbone-lr": { type: "string" },
    teacher: { type: "string" },
    "distill-weight": { type: "string" },
    "distill-temperature": { type: "string" },
    width: { type: "string" },
    size: { type: "string" },
    epochs: { type: "string" },
    batch: { type: "string" },
    lr: { type: "string" },
    seed: { type: "string" },
    backend: { type: "string" },
    workers: { type: "string" },
    "data-path": { type: "string" },
    feeders: { type: "string" },
    prefetch: { type: "string" },
    patience: { type: "string" },
    "stop-epoch": { type: "string" },
    "average-epochs": { type: "string" },
    resume: { type: "boolean" },
    "max-minutes": { type: "string" },
    views: { type: "string" },
    balance: { type: "string" },
    "weight-decay": { type: "string" },
    warmup: { type: "string" },
    monitor: { type: "string" },
    "subtype-weight": { type: "string" },
    mixup: { type: "string" },
    normalization: { type: "string" },
    color: { type: "string" },
    "aug-hsv": { type: "string" },
    "aug-acq": { type: "string" },
    "aug-tone": { type: "string" },
    "aug-zoom-out": { type: "string" },
    "aug-jpeg": { type: "string" },
    "aug-jpeg-source": { type: "string" },
    "white-balance": { type: "string" },
    "scale-normalize": { type: "string" },
    "scale-zoom": { type: "string" },
    "stain-normalize": { type: "string" },
    "min-std": { type: "string" },
    "no-augment": { type: "boolean" },
    quiet: { type: "boolean" },
  },
});
if (!a.manifest) fail("--manifest is required (written by deno task prepare)");
if (!a.out) fail("--out is required (a folder under runs/)");

const { isBrightFraction, preprocessSpecProblem } = await import("../model/core/mod.ts");
const { readSplitManifest } = await import("./lib/data/split_manifest.ts");
const { checkWidth } = await import("./lib/models/architectures.ts");
const { TRAIN_ARCHS } = await import("./lib/models/create.ts");
const { isPretrained } = await import("./lib/models/pretrained.ts");
const { readTeacherLogits } = await import("./lib/train/teacher.ts");
const arch = oneOf<TrainArch>(a.arch, "arch", TRAIN_ARCHS, "small-gap");
if (isPretrained(arch) && (a.color ?? "rgb") !== "rgb") {
  fail(`--arch ${arch} takes RGB as its pretrained backbone was trained; drop --color ${a.color}`);
}
if (isPretrained(arch) && a.normalization !== undefined) {
  fail(`--arch ${arch} scales its input as its backbone was trained (RGB / 255); drop --normalization`);
}
const { BACKEND_NAMES, probeGpuAdapter } = await import("./lib/tfjs/backend.ts");
const { DEFAULT_AUGMENT, NO_AUGMENT } = await import("./lib/train/augment.ts");
const { DEFAULT_TRAIN, train } = await import("./lib/train/loop.ts");

const size = num(a.size, "size", 128, true);
if (size < 16 || size > 512) fail("--size must be between 16 and 512");
const normMode = oneOf(a.normalization, "normalization", ["per-image", "fixed"] as const, "per-image");
const spec: PreprocessSpec = {
  size,
  crop: "none",
  resize: "area",
  normalization: isPretrained(arch)
    ? { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] }
    : normMode === "per-image"
    ? { mode: "per-image", minStd: num(a["min-std"], "min-std", 0.02) }
    : { mode: "fixed", mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  channelOrder: "RGB",
  alphaBackground: 0,
  colorMode: oneOf(a.color, "color", ["rgb", "grey", "relative-chroma"] as const, "rgb"),
  ...(a["white-balance"] !== undefined
    ? { whiteBalance: { brightFraction: num(a["white-balance"], "white-balance", 0.1) } }
    : {}),
};
if (spec.whiteBalance && !isBrightFraction(spec.whiteBalance.brightFraction)) {
  fail("--white-balance takes the share of brightest pixels used as the white point, in (0, 0.5]");
}
if (a["scale-normalize"] !== undefined) {
  const zoom = (a["scale-zoom"] ?? "0.8,1.6").split(",").map(Number);
  spec.scale = {
    redCellRadius: num(a["scale-normalize"], "scale-normalize", 8),
    workingSize: 224,
    zoomRange: [zoom[0], zoom[1]],
  };
  const problem = preprocessSpecProblem(spec);
  if (problem || zoom.length !== 2) {
    fail(
      `--scale-normalize R takes a red-cell radius in [1, 64] and --scale-zoom LO,HI with 0.25 ≤ LO ≤ 1 ≤ HI ≤ 4 (${
        problem ?? "two numbers"
      })`,
    );
  }
} else if (a["scale-zoom"] !== undefined) fail("--scale-zoom needs --scale-normalize");
/** A flag of three comma-separated numbers, each passing `ok`; undefined when the flag is absent. */
function triple(
  v: string | undefined,
  flag: string,
  ok: (x: number, i: number) => boolean,
  hint: string,
): [number, number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(",").map(Number);
  if (parts.length !== 3 || !parts.every(ok)) fail(`--${flag} takes ${hint}`);
  return parts as [number, number, number];
}
const hsv = triple(a["aug-hsv"], "aug-hsv", (x) => x >= 0 && x < 1, "three numbers in [0, 1): value,saturation,hue");
const acq = triple(a["aug-acq"], "aug-acq", (x) => x >= 0 && x <= 1, "three numbers in [0, 1]: gain,blur,chroma");
const tone = triple(
  a["aug-tone"],
  "aug-tone",
  (x, i) => x >= 0 && x <= (i === 1 ? 2 : 1),
  "curve in [0, 1], chroma in [0, 2], minArea in (0, 1]",
);
const zoomOutScale = a["aug-zoom-out"] === undefined ? undefined : Number(a["aug-zoom-out"]);
if (zoomOutScale !== undefined && !(zoomOutScale > 0 && zoomOutScale <= 1 && tone)) {
  fail(`--aug-zoom-out takes a scale in (0, 1] and needs --aug-tone, got "${a["aug-zoom-out"]}"`);
}
if (tone && tone[2] <= 0) fail(`--aug-tone: minArea must be > 0, got ${tone[2]}`);
/** `P,Q1,Q2` of a JPEG augmentation flag as its option object. */
function jpegFlag(flag: string): { probability: number; minQuality: number; maxQuality: number } | undefined {
  const t = triple(
    a[flag as "aug-jpeg"],
    flag,
    (x, i) => (i === 0 ? x >= 0 && x <= 1 : Number.isInteger(x) && x >= 1 && x <= 100),
    "a probability and two qualities 1–100, e.g. 0.5,40,95",
  );
  if (t && t[1] > t[2]) fail(`--${flag}: the first quality must not exceed the second`);
  return t && { probability: t[0], minQuality: t[1], maxQuality: t[2] };
}
const jpeg = jpegFlag("aug-jpeg"), jpegSource = jpegFlag("aug-jpeg-source");
const backend = oneOf<BackendName>(a.backend, "backend", BACKEND_NAMES, "auto");
const width = num(a.width, "width", DEFAULT_TRAIN.width);
try {
  if (isPretrained(arch)) {
    if (width !== 1) throw new Error(`width applies to small-gap only (got ${arch})`);
  } else checkWidth(arch, width);
} catch (err) {
  fail(`--width: ${(err as Error).message}`);
}

/**
 * Replicas when --workers is not given: one per core on CPU backends; one on a GPU (each webgpu
 * replica is its own GPU device, and several crashed Dawn on an H200: docs/PERFORMANCE.md).
 */
async function defaultWorkers(b: BackendName): Promise<number> {
  if (b === "webgpu") return 1;
  if (b === "auto" && (await probeGpuAdapter())) return 1;
  return availableParallelism();
}
const freezeEpochs = num(a["freeze-epochs"], "freeze-epochs", DEFAULT_TRAIN.freezeEpochs, true);
const backboneLr = num(a["backbone-lr"], "backbone-lr", DEFAULT_TRAIN.backboneLr);
if (freezeEpochs < 0) fail("--freeze-epochs must be ≥ 0");
if (!(backboneLr >= 0 && backboneLr <= 1)) fail("--backbone-lr is a factor in [0, 1]");
if (!isPretrained(arch) && (a["freeze-epochs"] !== undefined || a["backbone-lr"] !== undefined)) {
  fail(`--freeze-epochs and --backbone-lr apply to pretrained backbones (mobilenetv2, inceptionv3), not ${arch}`);
}
const distillWeight = num(a["distill-weight"], "distill-weight", 0.5);
const distillTemperature = num(a["distill-temperature"], "distill-temperature", 2);
if (!(distillWeight >= 0 && distillWeight <= 1)) fail("--distill-weight is a share in [0, 1]");
if (!(distillTemperature > 0)) fail("--distill-temperature must be > 0");
if (!a.teacher && (a["distill-weight"] !== undefined || a["distill-temperature"] !== undefined)) {
  fail("--distill-weight and --distill-temperature need --teacher FILE (deno task teacher writes it)");
}
const distill = a.teacher
  ? {
    teacher: (await readTeacherLogits(a.teacher)).logits,
    weight: distillWeight,
    temperature: distillTemperature,
    source: a.teacher,
  }
  : undefined;
const manifest = await readSplitManifest(a.manifest);
if (a["stain-normalize"] !== undefined) {
  if (a["stain-normalize"] !== "macenko") fail(`--stain-normalize takes "macenko", got "${a["stain-normalize"]}"`);
  if (isPretrained(arch)) fail(`--stain-normalize applies to the scratch networks, not ${arch}`);
  const { fitStainReferenceOnTraining } = await import("./lib/train/stain_reference.ts");
  const { images, ...reference } = await fitStainReferenceOnTraining(manifest, spec);
  spec.stainNormalization = reference;
  process.stderr.write(`stain reference (Macenko) from ${images} training images: ${JSON.stringify(reference)}\n`);
}
const workers = Math.max(
  1,
  // probe for a GPU only when --workers is not given
  a.workers === undefined ? await defaultWorkers(backend) : num(a.workers, "workers", 1, true),
);
const dataPath = oneOf<"host" | "device">(a["data-path"], "data-path", ["host", "device"], "host");
if (dataPath === "host" && (a.feeders !== undefined || a.prefetch !== undefined)) {
  fail("--feeders and --prefetch apply to --data-path device");
}
const feeders = num(a.feeders, "feeders", Math.max(1, availableParallelism() - workers - 1), true);
const prefetch = num(a.prefetch, "prefetch", 4, true);
if (prefetch < 1) fail("--prefetch must be ≥ 1");
const augment: AugmentOptions = a["no-augment"] ? NO_AUGMENT : {
  ...DEFAULT_AUGMENT,
  // A grey image has no chroma: under relative-chroma it would be an all-zero input.
  ...(spec.colorMode === "relative-chroma" ? { greyscale: 0 } : {}),
  ...(hsv ? { hsv: { value: hsv[0], saturation: hsv[1], hue: hsv[2] } } : {}),
  ...(acq ? { acquisition: { gain: acq[0], blur: acq[1], chroma: acq[2] } } : {}),
  ...(tone
    ? {
      tone: {
        curve: tone[0],
        chroma: tone[1],
        minArea: tone[2],
        ...(zoomOutScale ? { minScale: zoomOutScale } : {}),
      },
    }
    : {}),
  ...(jpeg ? { jpeg } : {}),
  ...(jpegSource ? { jpegSource } : {}),
};
const { deviceAugmentRefusal } = await import("./lib/train/device/augment_ops.ts");
const refusal = dataPath === "device"
  ? (spec.stainNormalization ? "--stain-normalize runs on the host path only" : deviceAugmentRefusal(augment))
  : null;
if (refusal) fail(`--data-path device: ${refusal}`);
const result = await train({
  ...DEFAULT_TRAIN,
  manifest,
  out: a.out,
  spec,
  arch,
  freezeEpochs,
  backboneLr,
  ...(distill ? { distill } : {}),
  width,
  epochs: num(a.epochs, "epochs", DEFAULT_TRAIN.epochs, true),
  batch: num(a.batch, "batch", DEFAULT_TRAIN.batch, true),
  lr: num(a.lr, "lr", DEFAULT_TRAIN.lr),
  seed: num(a.seed, "seed", DEFAULT_TRAIN.seed, true),
  backend,
  workers,
  ...(dataPath === "device" ? { dataPath, feeders, prefetch } : {}),
  patience: num(a.patience, "patience", DEFAULT_TRAIN.patience, true),
  ...(a["stop-epoch"] !== undefined ? { stopEpoch: num(a["stop-epoch"], "stop-epoch", 0, true) } : {}),
  ...(a["average-epochs"] !== undefined ? { averageEpochs: nonNegative(a["average-epochs"], "average-epochs") } : {}),
  resume: a.resume === true,
  maxMinutes: num(a["max-minutes"], "max-minutes", 0),
  views: a.views ? a.views.split(",").map((s) => s.trim()).filter(Boolean) : [],
  balance: oneOf<Balance>(a.balance, "balance", ["sample", "weight", "none"], "sample"),
  weightDecay: num(a["weight-decay"], "weight-decay", DEFAULT_TRAIN.weightDecay),
  warmupEpochs: num(a.warmup, "warmup", DEFAULT_TRAIN.warmupEpochs),
  monitor: oneOf<Monitor>(a.monitor, "monitor", ["auroc", "bal_acc", "loss"], "auroc"),
  subtypeLossWeight: num(a["subtype-weight"], "subtype-weight", DEFAULT_TRAIN.subtypeLossWeight),
  ...(a.mixup !== undefined ? { mixup: nonNegative(a.mixup, "mixup") } : {}),
  augment,
  progress: a.quiet !== true,
});
process.stderr.write(
  `done: ${result.epochs} epochs (${result.stoppedBy}), best epoch ${result.bestEpoch}` +
    (result.best
      ? `: val auroc ${result.best.auroc.toFixed(4)} bal_acc ${result.best.balancedAccuracy.toFixed(3)}`
      : "") +
    "\n",
);
