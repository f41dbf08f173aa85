/**
 * Fuzz child process: builds the app with the given model once, then checks each case it reads on
 * stdin, answering one JSON line per case on stdout. A separate process (not a Worker: the ONNX
 * runtime cannot load in a Deno Worker) so the harness can kill it when a case hangs or eats
 * memory; synchronous decoder loops cannot be interrupted any other way.
 *
 * Framing on stdin: u32 (big-endian) length + JSON `{id, contentType, route}`, then u32 length +
 * the input bytes. Started as `deno run -A child.ts <model> <env JSON>`.
 *
 * @module
 */
import { createApp } from "../../app.ts";
import { loadConfig } from "../../lib/config.ts";
import { loadModelFile } from "../../../model/core/mod.ts";
import { checkCase, type FuzzCase } from "./check.ts";

/** One line the child writes. */
export type ChildReply =
  | { type: "ready" }
  | {
    type: "result";
    id: number;
    findings: Awaited<ReturnType<typeof checkCase>>["findings"];
    status: number;
    code: string;
  };

/**
 * Encodes a case for the child's stdin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // the harness writes this to the child's stdin (`child.stdin.getWriter().write(frame)`)
 * const bytes = new Uint8Array([1, 2, 3]);
 * const frame = frameCase(1, { bytes, contentType: "image/png", route: "/v1/predict" });
 * const v = new DataView(frame.buffer);
 * const head = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + v.getUint32(0))));
 * assert.deepEqual(head, { id: 1, contentType: "image/png", route: "/v1/predict" });
 * assert.deepEqual(frame.subarray(frame.length - 3), bytes); // after its own u32 length
 * ```
 */
export function frameCase(id: number, c: FuzzCase): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify({ id, contentType: c.contentType, route: c.route }));
  const out = new Uint8Array(8 + head.length + c.bytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, head.length);
  out.set(head, 4);
  v.setUint32(4 + head.length, c.bytes.length);
  out.set(c.bytes, 8 + head.length);
  return out;
}

async function* frames(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(0);
  const reader = stream.getReader();
  for (;;) {
    while (buf.length >= 4) {
      const n = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
      if (buf.length < 4 + n) break;
      yield buf.slice(4, 4 + n);
      buf = buf.slice(4 + n);
    }
    const { value, done } = await reader.read();
    if (done) return;
    const next = new Uint8Array(buf.length + value.length);
    next.set(buf);
    next.set(value, buf.length);
    buf = next;
  }
}

if (import.meta.main) {
  const [model, envJson] = Deno.args;
  const config = loadConfig(JSON.parse(envJson ?? "{}"));
  const limits = { maxPixels: config.maxPixels, minSide: config.minSide };
  const runtime = await loadModelFile(model);
  // the same model stands in as the cell classifier: the fuzz is about what reaches it, not its answers
  const app = createApp({ model: runtime, cells: runtime, config, log: () => {} });
  const out = (r: ChildReply) => Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(r) + "\n"));
  out({ type: "ready" });
  const it = frames(Deno.stdin.readable);
  for (;;) {
    const head = await it.next();
    const body = await it.next();
    if (head.done || body.done) break;
    const { id, contentType, route } = JSON.parse(new TextDecoder().decode(head.value));
    const r = await checkCase(app, { bytes: body.value, contentType, route }, limits);
    out({ type: "result", id, ...r });
  }
}
