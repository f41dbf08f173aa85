/**
 * A member's input transform as ONNX nodes, so that members trained on different colour modes
 * can share one graph input. The shared input is the white-balanced, resized RGB image in [0, 1]
 * (NCHW, the card's `normalization: fixed` with mean 0 and std 1); each member's front end
 * computes from it what `normalizeToTensor` would have given that member: `grey` (luma in all
 * three channels) or `relative-chroma` (HSV saturation and chroma relative to the image's mean
 * stain hue, `toRelativeChroma`) or `rgb`, then the per-image standardisation
 * `(v − mean_c) / max(std_c, minStd)`. Float32 throughout; `front_end_test.ts` checks it against
 * the service's TypeScript on real fields.
 *
 * @module
 */
import type * as pkg from "onnx-proto";
import { LUMA_WEIGHTS, type PreprocessSpec } from "../../../model/core/mod.ts";
import { node, tensor } from "./proto.ts";

/** The nodes and constants of one front end, and the name of its output (the member's input). */
export interface FrontEnd {
  nodes: pkg.onnx.INodeProto[];
  initializers: pkg.onnx.ITensorProto[];
  output: string;
}

/**
 * Whether a node belongs to a front end (its name is `<prefix>front/…`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isFrontEndNode("m1/front/angle"), true);
 * assert.equal(isFrontEndNode("m1/s1_conv/Conv"), false);
 * ```
 */
export function isFrontEndNode(name: string): boolean {
  return /(^|\/)front\//.test(name);
}

/**
 * Whether a tensor is a front end's output, the member network's input (`<prefix>front/out`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isFrontEndOutput("m0/front/out"), true);
 * assert.equal(isFrontEndOutput("m0/front/out_of_range"), false);
 * ```
 */
export function isFrontEndOutput(name: string): boolean {
  return /(^|\/)front\/out$/.test(name);
}

/** The colour modes a front end can compute. */
type FrontEndColor = "rgb" | "grey" | "relative-chroma";

/**
 * The one graph input an ensemble's members read: their own preprocessing when they all share it
 * (no front ends), else the white-balanced, resized RGB image unnormalised (members read it
 * through front ends; check each with {@link frontEndProblem}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PreprocessSpec } from "../../../model/core/mod.ts";
 * const grey: PreprocessSpec = { size: 96, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0,
 *   colorMode: "grey", normalization: { mode: "per-image", minStd: 0.01 } };
 * assert.deepEqual(sharedInput([grey, grey]), { spec: grey, frontEnds: false });
 * const mixed = sharedInput([grey, { ...grey, colorMode: "relative-chroma" }]);
 * assert.equal(mixed.frontEnds, true);
 * assert.deepEqual(mixed.spec.normalization, { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] });
 * ```
 */
export function sharedInput(specs: readonly PreprocessSpec[]): { spec: PreprocessSpec; frontEnds: boolean } {
  if (specs.every((s) => JSON.stringify(s) === JSON.stringify(specs[0]))) return { spec: specs[0], frontEnds: false };
  return {
    spec: { ...specs[0], colorMode: "rgb", normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] } },
    frontEnds: true,
  };
}

/**
 * Whether a member trained with `member` can read a graph input made with `shared` through a
 * front end: the same size, crop, resize, white balance and scale normalisation; `shared` unnormalised RGB; `member`
 * standardised per image. Returns the reason when not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LUMA_WEIGHTS, type PreprocessSpec } from "../../../model/core/mod.ts";
 * const base = { size: 96, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0 } as const;
 * const shared: PreprocessSpec = { ...base, colorMode: "rgb", normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] } };
 * assert.equal(frontEndProblem({ ...base, colorMode: "grey", normalization: { mode: "per-image", minStd: 0.01 } }, shared), undefined);
 * assert.match(frontEndProblem({ ...base, size: 64, normalization: { mode: "per-image", minStd: 0.01 } }, shared)!, /size/);
 * const scale = { redCellRadius: 8, workingSize: 224, zoomRange: [0.8, 1.6] as [number, number] };
 * assert.match(frontEndProblem({ ...base, scale, normalization: { mode: "per-image", minStd: 0.01 } }, shared)!, /scale/);
 * assert.equal(frontEndProblem({ ...base, scale, normalization: { mode: "per-image", minStd: 0.01 } }, { ...shared, scale }), undefined);
 * ```
 */
export function frontEndProblem(member: PreprocessSpec, shared: PreprocessSpec): string | undefined {
  for (const key of ["size", "crop", "resize", "channelOrder", "alphaBackground"] as const) {
    if (JSON.stringify(member[key]) !== JSON.stringify(shared[key])) {
      return `${key} differs (${JSON.stringify(member[key])} vs the shared input's ${JSON.stringify(shared[key])})`;
    }
  }
  if (JSON.stringify(member.whiteBalance ?? null) !== JSON.stringify(shared.whiteBalance ?? null)) {
    return "white balance differs: the service white-balances the shared input once";
  }
  if (JSON.stringify(member.scale ?? null) !== JSON.stringify(shared.scale ?? null)) {
    return "scale normalisation differs: the service brings the shared input to one magnification once";
  }
  if (JSON.stringify(member.stainNormalization ?? null) !== JSON.stringify(shared.stainNormalization ?? null)) {
    return "stain normalisation differs: the service redraws the shared input with one reference once";
  }
  const n = shared.normalization;
  if (
    (shared.colorMode ?? "rgb") !== "rgb" || n.mode !== "fixed" || n.mean.some((m) => m !== 0) ||
    n.std.some((s) => s !== 1)
  ) {
    return "the shared input must be unnormalised RGB (colorMode rgb, normalization fixed, mean 0, std 1)";
  }
  if (member.normalization.mode !== "per-image") {
    return "a front end standardises per image; the member was trained otherwise";
  }
  return undefined;
}

/**
 * The front end of a member trained with `spec`, reading `input` ([N, 3, H, W], RGB in [0, 1]).
 * Node and constant names start with `prefix`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = { size: 2, crop: "none", resize: "area", channelOrder: "RGB", alphaBackground: 0, colorMode: "grey",
 *   normalization: { mode: "per-image", minStd: 0.01 } } as const;
 * const fe = frontEnd(spec, "image", "m0/");
 * assert.equal(fe.output, "m0/front/out");
 * assert.ok(fe.nodes.some((n) => n.opType === "ReduceMean"));
 * ```
 */
export function frontEnd(spec: PreprocessSpec, input: string, prefix: string): FrontEnd {
  if (spec.normalization.mode !== "per-image") {
    throw new Error(`frontEnd: only per-image standardisation is built in-graph, got "${spec.normalization.mode}"`);
  }
  const minStd = spec.normalization.minStd;
  const nodes: pkg.onnx.INodeProto[] = [];
  const initializers: pkg.onnx.ITensorProto[] = [];
  const n = (s: string) => `${prefix}front/${s}`;
  const op = (type: string, inputs: string[], out: string, attrs = {}) => {
    nodes.push(node(type, inputs, [n(out)], n(out), attrs));
    return n(out);
  };
  const constant = (name: string, dims: number[], values: number[]) => {
    initializers.push(tensor(n(name), dims, Float32Array.from(values)));
    return n(name);
  };
  const axes = (name: string, values: number[]) => {
    initializers.push(tensor(n(name), [values.length], BigInt64Array.from(values.map(BigInt))));
    return n(name);
  };
  let channels: string;
  const color = (spec.colorMode ?? "rgb") as FrontEndColor;
  if (color === "rgb") {
    channels = input;
  } else if (color === "grey") {
    const w = constant("luma_weights", [1, 3, 1, 1], [...LUMA_WEIGHTS]); // the core's luma()
    const y = op("ReduceSum", [op("Mul", [input, w], "weighted"), axes("channel_axis", [1])], "luma", { keepdims: 1 });
    channels = op("Concat", [y, y, y], "grey", { axis: 1 });
  } else if (color === "relative-chroma") {
    const [r, g, b] = ["r", "g", "b"].map((c) => n(c));
    nodes.push(node("Split", [input, axes("split_sizes", [1, 1, 1])], [r, g, b], n("split"), { axis: 1 }));
    const max = op("Max", [r, g, b], "max");
    const min = op("Min", [r, g, b], "min");
    const d = op("Sub", [max, min], "d");
    const tiny = constant("tiny", [], [1e-30]);
    const dSafe = op("Max", [d, tiny], "d_safe");
    const s = op("Div", [d, op("Max", [max, tiny], "max_safe")], "s"); // 0 for black, as rgbToHsv
    // hexagonal hue in sixths (rgbToHsv's order when channels tie: r, then g, then b)
    const two = constant("two", [], [2]), four = constant("four", [], [4]);
    const hr = op("Div", [op("Sub", [g, b], "g_b"), dSafe], "h_r");
    const hg = op("Add", [op("Div", [op("Sub", [b, r], "b_r"), dSafe], "h_g0"), two], "h_g");
    const hb = op("Add", [op("Div", [op("Sub", [r, g], "r_g"), dSafe], "h_b0"), four], "h_b");
    const isR = op("Equal", [max, r], "is_r");
    const isG = op("Equal", [max, g], "is_g");
    const h6 = op("Where", [isR, hr, op("Where", [isG, hg, hb], "h_gb")], "h6");
    const angle = op("Mul", [h6, constant("sixth_turn", [], [Math.PI / 3])], "angle");
    const c = op("Mul", [s, op("Cos", [angle], "cos")], "c");
    const si = op("Mul", [s, op("Sin", [angle], "sin")], "si");
    // the image's mean chroma direction (cos, sin of its mean hue); (1, 0) when it has none
    const hw = axes("hw_axes", [2, 3]);
    const sc = op("ReduceSum", [c, hw], "sum_cos", { keepdims: 1 });
    const ss = op("ReduceSum", [si, hw], "sum_sin", { keepdims: 1 });
    const norm = op("Sqrt", [op("Add", [op("Mul", [sc, sc], "sc2"), op("Mul", [ss, ss], "ss2")], "norm2")], "norm");
    const zero = constant("zero", [], [0]), one = constant("one", [], [1]);
    const has = op("Greater", [norm, zero], "has_hue");
    const normSafe = op("Max", [norm, tiny], "norm_safe");
    const cm = op("Where", [has, op("Div", [sc, normSafe], "cm0"), one], "cm");
    const sm = op("Where", [has, op("Div", [ss, normSafe], "sm0"), zero], "sm");
    const rel1 = op("Add", [op("Mul", [c, cm], "c_cm"), op("Mul", [si, sm], "si_sm")], "rel_cos");
    const rel2 = op("Sub", [op("Mul", [si, cm], "si_cm"), op("Mul", [c, sm], "c_sm")], "rel_sin");
    channels = op("Concat", [s, rel1, rel2], "relative_chroma", { axis: 1 });
  } else {
    throw new Error(`frontEnd: no in-graph front end for colorMode "${color as string}"`);
  }
  // per-image standardisation, per channel: population std, at least minStd
  // (opset 17: ReduceMean takes its axes as an attribute)
  const mean = op("ReduceMean", [channels], "mean", { axes: [2, 3], keepdims: 1 });
  const centred = op("Sub", [channels, mean], "centred");
  const variance = op("ReduceMean", [op("Mul", [centred, centred], "sq")], "variance", { axes: [2, 3], keepdims: 1 });
  const std = op("Max", [op("Sqrt", [variance], "std0"), constant("min_std", [], [minStd])], "std");
  const output = op("Div", [centred, std], "out");
  return { nodes, initializers, output };
}
