/**
 * Several exported models as one ONNX graph: an ensemble the service runs as it runs any model.
 * Every member reads the same `image` input (so they must share one preprocessing and input size);
 * the graph's `logit`, `subtype_logits` and `cam` are the members' means, and its `features` are
 * the members' pooled features side by side (what the input-domain check fits). The card contract
 * stays one `.onnx` with one card; the quantizer, the domain fit and the service need no change.
 *
 * @module
 */
import type * as pkg from "onnx-proto";
import { type DecodedModel, decodeModel, encodeModel, node } from "./proto.ts";
import { GRAPH_NAMES } from "./export.ts";

/** Outputs averaged over the members (when every member has them). */
const MEAN_OUTPUTS = [GRAPH_NAMES.logit, GRAPH_NAMES.subtypeLogits, GRAPH_NAMES.cam] as const;

type ValueInfo = pkg.onnx.IValueInfoProto;

function dims(v: ValueInfo): (string | number)[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || Number(d.dimValue ?? 0));
}

function sameShape(a: ValueInfo, b: ValueInfo): boolean {
  return JSON.stringify(dims(a)) === JSON.stringify(dims(b));
}

/** Prefixes every name inside member `k`'s graph except the shared input. */
function prefixMember(m: DecodedModel, k: number): DecodedModel["graph"] {
  const input = GRAPH_NAMES.input;
  const p = (name: string) => (name === input || name === "" ? name : `m${k}/${name}`);
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
 * graphs side by side on the shared `image` input, `Mean` nodes for the logit, subtype logits and
 * CAM, and `Concat` for the pooled features. Throws when the members' inputs or outputs differ.
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
 * ```
 */
export function ensembleModels(members: readonly Uint8Array[]): Uint8Array {
  if (members.length < 2) {
    throw new Error(`ensembleModels: an ensemble needs at least two members, got ${members.length}`);
  }
  const decoded = members.map((b) => decodeModel(b));
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
  const graphs = decoded.map(prefixMember);
  const nodes: pkg.onnx.INodeProto[] = graphs.flatMap((g) => g.node);
  const outputs: ValueInfo[] = [];
  for (const out of first.graph.output) {
    const name = out.name!;
    const memberOuts = graphs.map((g) => g.output.find((o) => o.name!.endsWith(`/${name}`))!);
    if ((MEAN_OUTPUTS as readonly string[]).includes(name)) {
      memberOuts.forEach((o, k) => {
        if (!sameShape(o, out)) {
          throw new Error(`ensembleModels: member ${k}'s "${name}" has another shape than member 0's`);
        }
      });
      nodes.push(node("Mean", memberOuts.map((o) => o.name!), [name], `ensemble/${name}`));
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
      initializer: graphs.flatMap((g) => g.initializer),
      valueInfo: graphs.flatMap((g) => g.valueInfo),
    },
  };
  return encodeModel(model);
}
