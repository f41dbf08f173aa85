/**
 * The model the service ships (DEFAULT_MODEL, as `deno task start` serves it), through the whole
 * app on real cells: it loads and matches its card, labels one malignant and one benign Taleqani
 * field correctly, keeps those answers when the "lab" changes its stain colour or lamp
 * brightness, and answers `review` for a cell from another lab and framing (C-NMC).
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { decodeImage } from "../model/core/image/decode.ts";
import { encodeBmp } from "../model/core/image/bmp_encode.ts";
import { DEFAULT_MODEL } from "../model/core/card/default.ts";
import { loadModelFile, type ModelRuntime } from "../model/core/onnx/runtime.ts";
import type { RgbaImage } from "../model/core/preprocess/types.ts";
import { hsvToRgb, rgbToHsv } from "../model/core/preprocess/colour.ts";
import { fixture } from "./helpers/images.ts";

const root = new URL("../", import.meta.url);
let runtime: Promise<ModelRuntime> | undefined;
const app = async () => {
  // MODEL=runs/x/candidate.int8.onnx checks a candidate before it is committed
  runtime ??= loadModelFile(new URL(Deno.env.get("MODEL") ?? DEFAULT_MODEL, root).pathname);
  return createApp({ model: await runtime, config: loadConfig({}), log: () => {} });
};

async function predict(body: Uint8Array<ArrayBuffer>, type: string) {
  const res = await (await app()).request("/v1/predict", { method: "POST", body, headers: { "content-type": type } });
  assert.equal(res.status, 200);
  return await res.json() as {
    label: string;
    decision: string;
    scores: { all: number };
    model: { id: string; version: string };
  };
}

/** The same slide photographed in another lab: hue rotated, saturation and brightness scaled (HSV). */
function restain(img: RgbaImage, hue: number, saturation: number, brightness: number): RgbaImage {
  const out = new Uint8Array(img.data.length);
  const hsv: [number, number, number] = [0, 0, 0], rgb: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < img.data.length; i += 4) {
    rgbToHsv(img.data[i] / 255, img.data[i + 1] / 255, img.data[i + 2] / 255, hsv);
    hsvToRgb(hsv[0] + hue, Math.min(1, hsv[1] * saturation), Math.min(1, hsv[2] * brightness), rgb);
    for (let c = 0; c < 3; c++) out[i + c] = Math.round(rgb[c] * 255);
    out[i + 3] = 255;
  }
  return { width: img.width, height: img.height, data: out };
}

const CELLS = [
  ["taleqani_Early_WBC-Malignant-Early-001.jpg", "all"],
  ["taleqani_Benign_WBC-Benign-001.jpg", "normal"],
] as const;

Deno.test("committed model: real Taleqani fields get the right label, confidently", async () => {
  for (const [name, truth] of CELLS) {
    const b = await predict(await fixture(name), "image/jpeg");
    assert.equal(b.model.id, (await runtime!).card.id);
    assert.equal(b.label, truth, `${name}: p(all) ${b.scores.all}`);
    assert.equal(b.decision, truth, `${name}: p(all) ${b.scores.all} should be outside the review band`);
  }
});

Deno.test("committed model: another lab's stain colour and lamp brightness do not change the answer", async () => {
  for (const [name, truth] of CELLS) {
    const img = await decodeImage(await fixture(name));
    const base = await predict(encodeBmp(img), "image/bmp");
    for (const [hue, sat, bright] of [[0.05, 0.7, 1.1], [-0.05, 1.3, 0.9], [0.05, 1.3, 1.1]]) {
      const shifted = await predict(encodeBmp(restain(img, hue, sat, bright)), "image/bmp");
      assert.equal(shifted.label, truth, `${name} under hue ${hue}, saturation ×${sat}, brightness ×${bright}`);
      assert.ok(
        Math.abs(shifted.scores.all - base.scores.all) < 0.05,
        `${name}: p(all) moved ${base.scores.all} → ${shifted.scores.all} under hue ${hue}, saturation ×${sat}, brightness ×${bright}`,
      );
    }
  }
});

Deno.test("committed model: a cell from another lab and framing (C-NMC) is sent to review", async () => {
  const b = await predict(await fixture("cnmc_all_UID_35_6_2_all.bmp"), "image/bmp");
  assert.equal(b.decision, "review");
});

/** A W×H image from a pixel function (RGB in 0–255). */
function made(w: number, h: number, px: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = px(x, y);
      data.set([r, g, b, 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: h, data };
}

Deno.test("committed model: images that are not blood smears are sent to review by the feature-distance check", async () => {
  await app();
  const card = (await runtime!).card;
  assert.ok(card.domain?.features, "the served model's card must carry a pooled-feature domain check");
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const images: Record<string, RgbaImage> = {
    // asymmetric on purpose: a transposed gradient is a different image
    "horizontal gradient": made(224, 160, (x, y) => [x, (y * 255) / 160, 128]),
    "checkerboard": made(224, 224, (x, y) => (((x >> 4) + (y >> 4)) & 1 ? [240, 240, 240] : [20, 60, 200])),
    "noise": made(224, 224, () => [rand() * 255, rand() * 255, rand() * 255]),
  };
  for (const [name, img] of Object.entries(images)) {
    const res = await (await app()).request("/v1/predict", {
      method: "POST",
      body: encodeBmp(img),
      headers: { "content-type": "image/bmp" },
    });
    assert.equal(res.status, 200);
    const b = await res.json() as { decision: string; reasons?: string[] };
    assert.equal(b.decision, "review", `${name} must go to review`);
    assert.ok(
      (b.reasons ?? []).some((r) => /feature distance/.test(r)),
      `${name}: the reasons must name the feature distance, got ${JSON.stringify(b.reasons)}`,
    );
  }
});

Deno.test("committed model: a lamp colour cast on a real field is not flagged as foreign", async () => {
  // white balance off by 8% on one channel: the card's white balance undoes it, the field stays in domain
  for (const [name, truth] of CELLS) {
    const img = await decodeImage(await fixture(name));
    const cast = { ...img, data: Uint8Array.from(img.data, (v, i) => (i % 4 === 2 ? Math.round(v * 0.92) : v)) };
    const res = await (await app()).request("/v1/predict", {
      method: "POST",
      body: encodeBmp(cast),
      headers: { "content-type": "image/bmp" },
    });
    const b = await res.json() as { label: string; decision: string; reasons?: string[] };
    assert.ok(!(b.reasons ?? []).some((r) => r.startsWith("out_of_domain")), `${name}: ${JSON.stringify(b.reasons)}`);
    assert.equal(b.label, truth, `${name} under a blue channel × 0.92`);
  }
});
