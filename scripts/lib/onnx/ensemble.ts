/**
 * Several exported models as one ONNX graph: an ensemble the service runs as it runs any model.
 * Every member reads the same `image` input: as is when they share one preprocessing, or through
 * an in-graph front end (`front_end.ts`) when the input is the shared unnormalised RGB image and
 * the members were trained on different colour modes. The graph's `logit`, `subtype_logits` and
 * `cam` are the members' weighted sums (plain means by default), or under `combine: "max"` the
 * largest calibrated logit with that member's subtype logits and CAM; its `features` are
 * the members' pooled features side by side (what the input-domain check fits). The card contract
 * stays one `.onnx` with one card; the quantizer, the domain fit and the service need no change.
 *
 * @module
 */
import type * as pkg from "onnx-proto";
import type { PreprocessSpec } from "../../../model/core/mod.ts";
import { type DecodedModel, decodeModel, encodeModel, node, tensor } from "./proto.ts";
import { GRAPH_NAMES } from "./export.ts";
import { frontEnd, isFrontEndNode, isFrontEndOutput } from "./front_end.ts";
import type { QuantizeOptions } from "./quantize.ts";

/**
 * How the members' calibrated logits (each member's logit times its coefficient) become the
 * graph's: `mean` sums them (coefficients w_k / Σw / T_k: the weighted mean), `max` takes the
 * largest (coefficients 1 / T_k: the most suspicious member decides), and the subtype logits and
 * CAM are then that member's (shared equally on a tie), so the heatmap explains the answer.
 */
export type EnsembleCombine = "mean" | "max";

/** One member of an ensemble. */
export interface EnsembleMember {
  /** Its float model as the exporter writes it. */
  bytes: Uint8Array;
  /** Coefficient of its logit, subtype logits and CAM in the combined outputs (default: 1 / members). */
  weight?: number;
  /** The preprocessing it was trained with, computed in-graph from the shared input; absent: it reads that input as is. */
  front?: PreprocessSpec;
}

/**
 * What the quantizer keeps in float in an ensemble (`QuantizeOptions.keepFloat`): the front ends'
 * inner tensors (bool masks, hue angles: 8 bits cannot hold them) and the graph input when only
 * front ends read it, and every member output that the combination reads or writes (8-bit logits
 * would move the operating point). A front end's output, the member network's input, is quantised
 * as a model's input is. In a single model nothing matches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const n = (name: string) => ({ name, opType: "Mul", input: [], output: [], attribute: [] });
 * assert.equal(ensembleKeepsFloat("m0/front/angle", n("m0/front/angle"), []), true);
 * assert.equal(ensembleKeepsFloat("m0/front/out", n("m0/front/out"), []), false);
 * assert.equal(ensembleKeepsFloat("m1/logit", n("m1/logit/Gemm"), [n("ensemble/logit/term1")]), true);
 * assert.equal(ensembleKeepsFloat("s1_conv", n("s1_conv/Conv"), [n("s1_relu/Relu")]), false);
 * ```
 */
export const ensembleKeepsFloat: NonNullable<QuantizeOptions["keepFloat"]> = (tensor, producer, consumers) => {
  if (producer && isFrontEndNode(producer.name) && !isFrontEndOutput(tensor)) return true;
  if (!producer && consumers.length > 0 && consumers.every((c) => isFrontEndNode(c.name))) return true;
  const combines = (name: string) => name.startsWith("ensemble/");
  return (producer !== undefined && combines(producer.name)) || consumers.some((c) => combines(c.name));
};

/** Outputs averaged over the members (when every member has them). */
const MEAN_OUTPUTS = [GRAPH_NAMES.logit, GRAPH_NAMES.subtypeLogits, GRAPH_NAMES.cam] as const;

type ValueInfo = pkg.onnx.IValueInfoProto;

function dims(v: ValueInfo): (string | number)[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue ?? 0));
}

function sameShape(a: ValueInfo, b: ValueInfo): boolean {
  return JSON.stringify(dims(a)) === JSON.stringify(dims(b));
}

/** Prefixes every name inside member `k`'s graph; its input becomes `inputName`. */
function prefixMember(m: DecodedModel, k: number, inputName: string): DecodedModel["graph"] {
  const input = GRAPH_NAMES.input;
  const p = (name: string) => (name === "" ? name : name === input ? inputName : `m${k}/${name}`);
  const g = m.graph;
  return {
    ...g,
    node: g.node.map((n) => ({ ...n, name: p(n.name), input: n.input.map(p), output: n.output.map(p) })),
    initializer: g.initializer.map((t) => ({ ...t, name: p(t.name) })),
    valueInfo: g.valueInfo.map((v) => ({ ...v, name: p(v.name) })),
    output: g.output.map((v) => ({ ...v, name: p(v.name) })),
  };
}

/**
 * One ONNX model from `members` (float models as the exporter writes them, ≥ 2): the members'
 * graphs side by side on the shared `image` input (through each member's front end when it has
 * one), the weighted sum of the logit, subtype logits and CAM (weights 1 / members by default),
 * and `Concat` for the pooled features. Throws when the members' inputs or outputs differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * import { runModel } from "../../../model/core/mod.ts";
 * const tiny = new Uint8Array(await readFile("tests/fixtures/models/tiny.float.onnx"));
 * const merged = ensembleModels([tiny, tiny]);
 * const x = { dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i)) };
 * const one = await runModel(tiny, { image: x }), two = await runModel(merged, { image: x });
 * assert.ok(Math.abs(two.logit.data[0] - one.logit.data[0]) < 1e-5); // the mean of two equal members
 * assert.throws(() => ensembleModels([tiny]), /at least two/);
 * const twice = await runModel(ensembleModels([{ bytes: tiny, weight: 1 }, { bytes: tiny, weight: 2 }], { combine: "max" }), { image: x });
 * assert.ok(Math.abs(twice.logit.data[0] - Math.max(one.logit.data[0], 2 * one.logit.data[0])) < 1e-5);
 * ```
 */
export function ensembleModels(
  members: readonly (Uint8Array | EnsembleMember)[],
  options: { combine?: EnsembleCombine } = {},
): Uint8Array {
  const combine = options.combine ?? "mean";
  if (members.length < 2) {
    throw new Error(`ensembleModels: an ensemble needs at least two members, got ${members.length}`);
  }
  const specs: EnsembleMember[] = members.map((m) => (m instanceof Uint8Array ? { bytes: m } : m));
  const weights = specs.map((m) => m.weight ?? 1 / specs.length);
  if (weights.some((w) => !Number.isFinite(w))) {
    throw new Error(`ensembleModels: weights must be finite, got ${weights}`);
  }
  const decoded = specs.map((m) => decodeModel(m.bytes));
  const first = decoded[0];
  const input = first.graph.input.find((v) => v.name === GRAPH_NAMES.input);
  if (!input) throw new Error(`ensembleModels: member 0 has no "${GRAPH_NAMES.input}" input`);
  decoded.forEach((m, k) => {
    const inp = m.graph.input.find((v) => v.name === GRAPH_NAMES.input);
    if (!inp || !sameShape(inp, input)) {
      throw new Error(
        `ensembleModels: member ${k}'s "${GRAPH_NAMES.input}" input differs from member 0's (${
          JSON.stringify(dims(input))
        }); members must share the input size`,
      );
    }
    const names = m.graph.output.map((o) => o.name).join(",");
    if (names !== first.graph.output.map((o) => o.name).join(",")) {
      throw new Error(`ensembleModels: member ${k}'s outputs (${names}) differ from member 0's`);
    }
    const opset = m.opsetImport.find((o) => !o.domain)?.version;
    if (Number(opset) !== Number(first.opsetImport.find((o) => !o.domain)?.version)) {
      throw new Error(`ensembleModels: member ${k}'s opset ${opset} differs from member 0's`);
    }
  });
  const fronts = specs.map((m, k) => (m.front ? frontEnd(m.front, GRAPH_NAMES.input, `m${k}/`) : undefined));
  const graphs = decoded.map((m, k) => prefixMember(m, k, fronts[k]?.output ?? GRAPH_NAMES.input));
  const nodes: pkg.onnx.INodeProto[] = [...fronts.flatMap((f) => f?.nodes ?? []), ...graphs.flatMap((g) => g.node)];
  const constants: pkg.onnx.ITensorProto[] = fronts.flatMap((f) => f?.initializers ?? []);
  const outputs: ValueInfo[] = [];
  // under `max`: each member's share of the answer, 1 for the member whose calibrated logit is the
  // largest ([N, 1]; equal shares on a tie); built with the logit, which the exporter puts first
  let shares: string[] | undefined;
  if (combine === "max" && first.graph.output[0]?.name !== GRAPH_NAMES.logit) {
    throw new Error(`ensembleModels: combine "max" needs "${GRAPH_NAMES.logit}" as the members' first output`);
  }
  for (const out of first.graph.output) {
    const name = out.name!;
    const memberOuts = graphs.map((g) => g.output.find((o) => o.name!.endsWith(`/${name}`))!);
    if ((MEAN_OUTPUTS as readonly string[]).includes(name)) {
      memberOuts.forEach((o, k) => {
        if (!sameShape(o, out)) {
          throw new Error(`ensembleModels: member ${k}'s "${name}" has another shape than member 0's`);
        }
      });
      const terms = memberOuts.map((o, k) => {
        const w = `ensemble/${name}/w${k}`, t = `ensemble/${name}/term${k}`;
        constants.push(tensor(w, [], Float32Array.of(weights[k])));
        nodes.push(node("Mul", [o.name!, w], [t], t));
        return t;
      });
      if (combine === "mean") {
        nodes.push(node("Sum", terms, [name], `ensemble/${name}`));
      } else if (name === GRAPH_NAMES.logit) {
        nodes.push(node("Max", terms, [name], `ensemble/${name}`));
        const hits = terms.map((t, k) => {
          const eq = `ensemble/decides/eq${k}`, hit = `ensemble/decides/hit${k}`;
          nodes.push(node("Equal", [t, name], [eq], eq));
          nodes.push(node("Cast", [eq], [hit], hit, { to: 1 })); // float
          return hit;
        });
        nodes.push(node("Sum", hits, ["ensemble/decides/count"], "ensemble/decides/count"));
        shares = hits.map((h, k) => {
          const s = `ensemble/decides/share${k}`;
          nodes.push(node("Div", [h, "ensemble/decides/count"], [s], s));
          return s;
        });
      } else {
        // the deciding member's output: shares [N, 1] broadcast over the output's other axes
        const rank = dims(out).length;
        const axes = `ensemble/${name}/share_axes`;
        if (rank > 2) {
          constants.push(
            tensor(axes, [rank - 2], BigInt64Array.from({ length: rank - 2 }, (_, i) => BigInt(i + 2))),
          );
        }
        const picked = terms.map((t, k) => {
          let share = shares![k];
          if (rank > 2) {
            const u = `ensemble/${name}/share${k}`;
            nodes.push(node("Unsqueeze", [share, axes], [u], u));
            share = u;
          }
          const p = `ensemble/${name}/picked${k}`;
          nodes.push(node("Mul", [t, share], [p], p));
          return p;
        });
        nodes.push(node("Sum", picked, [name], `ensemble/${name}`));
      }
      outputs.push(out);
    } else if (name === GRAPH_NAMES.features) {
      nodes.push(node("Concat", memberOuts.map((o) => o.name!), [name], `ensemble/${name}`, { axis: 1 }));
      const width = memberOuts.reduce((s, o) => s + Number(dims(o)[1]), 0);
      const d = structuredClone(out) as ValueInfo;
      d.type!.tensorType!.shape!.dim![1] = { dimValue: width };
      outputs.push(d);
    } else {
      throw new Error(`ensembleModels: no rule to combine the output "${name}"`);
    }
  }
  const model: pkg.onnx.IModelProto = {
    ...first,
    producerName: "all-screen scripts/ensemble.ts",
    graph: {
      name: `ensemble_${decoded.length}x_${first.graph.name}`,
      input: [input],
      output: outputs,
      node: nodes,
      initializer: [...constants, ...graphs.flatMap((g) => g.initializer)],
      valueInfo: graphs.flatMap((g) => g.valueInfo),
    },
  };
  return encodeModel(model);
}

/**
 * An ensemble graph ({@link ensembleModels}) with each member's coefficient replaced: the same
 * networks, their logits, subtype logits and CAMs weighted by `coefficients[k]` (e.g. 1 / n / T_k
 * for member temperatures fitted on out-of-fold scores, `deno task repoint`). Throws when the
 * graph is not an ensemble of `coefficients.length` members.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * import { runModel } from "../../../model/core/mod.ts";
 * const tiny = new Uint8Array(await readFile("tests/fixtures/models/tiny.float.onnx"));
 * const x = { dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i)) };
 * const one = (await runModel(tiny, { image: x })).logit.data[0];
 * const merged = ensembleModels([tiny, tiny]); // 0.5 · z + 0.5 · z
 * const again = await runModel(reweighEnsemble(merged, [2, 1]), { image: x }); // 2 · z + 1 · z
 * assert.ok(Math.abs(again.logit.data[0] - 3 * one) < 1e-4);
 * assert.throws(() => reweighEnsemble(merged, [1, 1, 1]), /has 2 members, 3 coefficients given/);
 * assert.throws(() => reweighEnsemble(tiny, [1]), /not an ensemble graph/);
 * ```
 */
export function reweighEnsemble(bytes: Uint8Array, coefficients: readonly number[]): Uint8Array {
  if (coefficients.some((c) => !Number.isFinite(c))) {
    throw new Error(`reweighEnsemble: coefficients must be finite, got ${coefficients}`);
  }
  const model = decodeModel(bytes);
  const pattern = /^ensemble\/(logit|subtype_logits|cam)\/w(\d+)$/;
  const weights = model.graph.initializer.filter((t) => pattern.test(t.name));
  if (!weights.length) throw new Error("reweighEnsemble: not an ensemble graph (no ensemble/…/w<k> weights)");
  const members = new Set(weights.map((t) => Number(pattern.exec(t.name)![2]))).size;
  if (members !== coefficients.length) {
    throw new Error(`reweighEnsemble: the graph has ${members} members, ${coefficients.length} coefficients given`);
  }
  model.graph.initializer = model.graph.initializer.map((t) => {
    const m = pattern.exec(t.name);
    return m
      ? { ...tensor(t.name, [], Float32Array.of(coefficients[Number(m[2])])), name: t.name, dataType: t.dataType }
      : t;
  });
  return encodeModel(model);
}
