/**
 * A feeder thread (worker_threads entry) of the device data path: it holds no model, only the
 * CPU work that cannot run on the GPU. For a step's shard it redraws each sample's source-JPEG
 * quality ({@link sourceJpegPlan}, the same draws as the replica) and re-encodes those images at
 * the source's resolution, as 8-bit RGB at the model's input size, ahead of the step that needs
 * them.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { decodeImage, toFloatRgb } from "../../../model/core/mod.ts";
import { jpegRoundTrip } from "../shift/jpeg.ts";
import { sourceJpegPlan } from "./augment.ts";
import { toBytes } from "./device/bytes.ts";
import type { FeederInit, FeederReply, FeederRequest } from "./feeder.ts";

const init = workerData as FeederInit;
const port = parentPort!;

async function sources(req: Extract<FeederRequest, { type: "sources" }>): Promise<FeederReply> {
  const plan = sourceJpegPlan(req.seed, req.indices, init.augment, init.spec.size);
  const out: { k: number; rgb: Uint8Array }[] = [];
  for (const p of plan) {
    const file = init.files[p.index];
    if (!file) throw new Error(`feeder: no source file for item ${p.index}`);
    const img = await decodeImage(new Uint8Array(await readFile(file)));
    out.push({ k: p.k, rgb: toBytes(toFloatRgb(await jpegRoundTrip(img, p.quality), init.spec).data) });
  }
  return { type: "sources", id: req.id, sources: out };
}

port.on("message", (req: FeederRequest) => {
  if (req.type === "close") {
    port.close();
    return;
  }
  sources(req).then(
    (reply) =>
      port.postMessage(reply, reply.type === "sources" ? reply.sources.map((s) => s.rgb.buffer as ArrayBuffer) : []),
    (err: Error) =>
      port.postMessage({ type: "error", id: req.id, message: err.stack ?? err.message } satisfies FeederReply),
  );
});
port.postMessage({ type: "ready" } satisfies FeederReply);
