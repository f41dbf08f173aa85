import assert from "node:assert/strict";
import { jpegRoundTrip } from "../shift/jpeg.ts";
import { applyChannelGains, applyGamma } from "./channel.ts";
import { applyStep, type ShiftStep } from "./families.ts";
import { gaussianBlur, magnify } from "./geometry.ts";
import { modulateHsl } from "./hsl.ts";
import { scaleStains } from "./stain.ts";
import { applyBackgroundTint } from "./tint.ts";
import { maxAbsDiff, taleqani } from "../../../tests/helpers/shift_fixtures.ts";

Deno.test("each step kind runs its own transform on a real field", async () => {
  const img = await taleqani("early");
  const cases: Array<[ShiftStep, () => Promise<{ data: Uint8Array }> | { data: Uint8Array }]> = [
    [
      { kind: "hsl", lightness: 0.9, saturation: 1, hueDegrees: -5 },
      () => modulateHsl(img, { lightness: 0.9, hueDegrees: -5 }),
    ],
    [{ kind: "gains", gains: [1.08, 1, 1 / 1.08] }, () => applyChannelGains(img, [1.08, 1, 1 / 1.08])],
    [{ kind: "gamma", gamma: 1.2 }, () => applyGamma(img, 1.2)],
    [{ kind: "stain", haematoxylin: 1.25, eosin: 0.8 }, () => scaleStains(img, { haematoxylin: 1.25, eosin: 0.8 })],
    [
      { kind: "tint", tint: [1, 0.95, 0.9], lo: 0.7, hi: 0.9 },
      () => applyBackgroundTint(img, { tint: [1, 0.95, 0.9], lo: 0.7, hi: 0.9 }),
    ],
    [{ kind: "blur", sigma: 2 }, () => gaussianBlur(img, 2)],
    [{ kind: "magnify", scale: 0.9 }, () => magnify(img, 0.9)],
    [{ kind: "jpeg", quality: 60 }, () => jpegRoundTrip(img, 60)],
  ];
  for (const [step, direct] of cases) {
    const out = await applyStep(img, step);
    assert.deepEqual(out.data, (await direct()).data, step.kind);
    assert.deepEqual([out.width, out.height], [224, 224]);
    assert.ok(maxAbsDiff(out, img) > 0, `${step.kind} changed nothing`);
  }
});

Deno.test("an unknown step kind is refused", async () => {
  const img = await taleqani("benign");
  await assert.rejects(() => applyStep(img, { kind: "sharpen" } as unknown as ShiftStep), /unknown step kind sharpen/);
});
