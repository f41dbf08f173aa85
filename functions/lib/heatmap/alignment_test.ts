/**
 * The explanation overlay puts each CAM cell where its evidence came from. The committed model's
 * "same" convolutions pad after only, so its cells sit at 15.5 + 16·j px of its 96-px input (the
 * card's `io.camGrid`), not at the evenly spaced 8 + 16·j: drawn evenly, the map lands 7.5 model
 * pixels (17.5 px of a 224-px field) up and to the left of what the network looked at.
 */
import assert from "node:assert/strict";
import {
  createModelRuntime,
  decodePng,
  DEFAULT_MODEL,
  loadModelFile,
  parseModelCard,
} from "../../../model/core/mod.ts";
import { predictImage } from "../predict/pipeline.ts";

const root = new URL("../../../", import.meta.url);
const EARLY = new URL("tests/fixtures/images/taleqani_Early_WBC-Malignant-Early-001.jpg", root);

/** The centre of the overlay's most opaque pixels (alpha = 64 + v/2 peaks at the map's maximum). */
function overlayPeak(dataUrl: string, W: number, H: number): number[] {
  const png = decodePng(Uint8Array.from(atob(dataUrl.split(",")[1]), (ch) => ch.charCodeAt(0)));
  let peak = 0;
  for (let i = 3; i < png.data.length; i += 4) peak = Math.max(peak, png.data[i]);
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < W * H; i++) {
    if (png.data[i * 4 + 3] === peak) {
      sx += (i % W) + 0.5;
      sy += Math.floor(i / W) + 0.5;
      n++;
    }
  }
  return [sx / n, sy / n];
}

const off = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);

Deno.test("committed model: the overlay's hottest pixels lie on the hottest CAM cell's centre as the card's grid places it", async () => {
  const runtime = await loadModelFile(new URL(DEFAULT_MODEL, root).pathname);
  try {
    const { card } = runtime;
    assert.deepEqual(card.io.camGrid, { origin: [15.5, 15.5], step: [16, 16] });
    const bytes = await Deno.readFile(EARLY);
    const p = await predictImage(runtime, { bytes, format: "jpeg" }, { maxPixels: 16e6, minSide: 16, heatmap: true });
    const { width: W, height: H } = p.input;
    // the network's own map for the same image (the pipeline's preprocessing, run again)
    const { normalizeToTensor, toFloatRgb, decodeImage } = await import("../../../model/core/mod.ts");
    const spec = card.preprocess;
    const out = await runtime.run(normalizeToTensor(toFloatRgb(await decodeImage(bytes), spec), spec, "NCHW"), {
      cam: true,
    });
    const cam = out.cam!;
    const hot = cam.data.indexOf(Math.max(...cam.data));
    const [col, row] = [hot % cam.width, Math.floor(hot / cam.width)];
    // where the card's grid puts that cell on the upload, and where evenly spaced cells would
    const at = (origin: number, step: number, k: number, side: number) => (origin + step * k) * side / spec.size;
    const expected = [at(15.5, 16, col, W), at(15.5, 16, row, H)];
    const even = [at(8, 16, col, W), at(8, 16, row, H)];
    // the overlay's most opaque pixels (alpha = 64 + v/2 peaks at the map's maximum)
    const centre = overlayPeak(p.heatmap!, W, H);
    assert.ok(
      off(centre, expected) < 3,
      `peak at (${centre.map((v) => v.toFixed(1))}) should be at the grid's (${expected}) ` +
        `not the even (${even}) cell centre`,
    );
    assert.ok(off(even, expected) > 10, "the fixture's hot cell must tell the two placements apart");
  } finally {
    await runtime.close();
  }
});

Deno.test("scale normalisation: the overlay follows the window the input was cut from, not the whole upload", async () => {
  const modelPath = new URL(DEFAULT_MODEL, root).pathname;
  const card = parseModelCard(JSON.parse(await Deno.readTextFile(modelPath.replace(/\.onnx$/, ".json"))));
  // the committed model's graph behind a card that zooms Early-001 (red cells ≈ 8 px) in by ≈ 1.5
  const scale = { redCellRadius: 12, workingSize: 224, zoomRange: [0.8, 1.6] as [number, number] };
  const spec = { ...card.preprocess, scale };
  const runtime = await createModelRuntime({ ...card, preprocess: spec }, await Deno.readFile(modelPath));
  try {
    const bytes = await Deno.readFile(EARLY);
    const p = await predictImage(runtime, { bytes, format: "jpeg" }, { maxPixels: 16e6, minSide: 16, heatmap: true });
    const { width: W, height: H } = p.input;
    const { normalizeToTensor, toFloatRgb, decodeImage } = await import("../../../model/core/mod.ts");
    const resized = toFloatRgb(await decodeImage(bytes), spec);
    const view = resized.view!;
    assert.ok(view.width < 0.75 * W && view.width > 0.6 * W, `zoomed in: the window is ${view.width} of ${W} px`);
    const cam = (await runtime.run(normalizeToTensor(resized, spec, "NCHW"), { cam: true })).cam!;
    const hot = cam.data.indexOf(Math.max(...cam.data));
    const [col, row] = [hot % cam.width, Math.floor(hot / cam.width)];
    const { origin, step } = card.io.camGrid!;
    // the hot cell's centre through the window, and where it would be drawn over the whole upload
    const expected = [
      view.x + (origin[0] + step[0] * col) * view.width / spec.size,
      view.y + (origin[1] + step[1] * row) * view.height / spec.size,
    ];
    const whole = [(origin[0] + step[0] * col) * W / spec.size, (origin[1] + step[1] * row) * H / spec.size];
    const centre = overlayPeak(p.heatmap!, W, H);
    // within a fifth of a cell on the upload (the quantised alpha's plateau leans toward a hot neighbour)
    const tolerance = step[0] * view.width / spec.size / 5;
    assert.ok(
      off(centre, expected) < tolerance,
      `peak at (${centre.map((v) => v.toFixed(1))}) should be at the window's (${
        expected.map((v) => v.toFixed(1))
      }), ` +
        `not the whole upload's (${whole.map((v) => v.toFixed(1))}) cell centre`,
    );
    assert.ok(off(whole, expected) > 2 * tolerance, "the fixture's hot cell must tell the two placements apart");
  } finally {
    await runtime.close();
  }
});
