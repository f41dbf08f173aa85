import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodePng } from "../../../model/core/mod.ts";
import type { ManifestItem, SplitManifest } from "../data/split_manifest.ts";
import { buildEdaReport } from "./eda.ts";
import { checkPngs, solidPng, withTemp } from "../../../tests/helpers/report.ts";

Deno.test("EDA report: counts, montages, mean images, colour separability from a synthetic manifest", async () => {
  await withTemp(async (dir) => {
    const root = join(dir, "data");
    const items: ManifestItem[] = [];
    const colours: Record<string, [number, number, number]> = {
      Benign: [60, 60, 220],
      Pro: [220, 60, 60],
      Pre: [200, 80, 90],
    };
    const perSplit = { train: 4, val: 2, test: 2 } as const;
    for (const [cls, rgb] of Object.entries(colours)) {
      await mkdir(join(root, cls), { recursive: true });
      for (const [split, n] of Object.entries(perSplit)) {
        for (let i = 0; i < n; i++) {
          const path = `${cls}/${split}_${i}.png`;
          // brightness varies a little per image so the statistics are not all equal
          await writeFile(join(root, path), solidPng(24, 16, rgb.map((v) => v - 4 * i) as [number, number, number]));
          items.push({
            path,
            label: cls === "Benign" ? "normal" : "all",
            subtype: cls,
            group: `${cls}:${split}`,
            split: split as ManifestItem["split"],
            sha256: "",
            view: "original",
          });
        }
      }
    }
    const manifest: SplitManifest = {
      version: 1,
      dataset: "synthetic",
      root,
      created: "x",
      split: { seed: 1, fractions: { train: 0.5, val: 0.25, test: 0.25 }, method: "test" },
      counts: {},
      items,
    };
    const out = join(dir, "eda");
    const r = await buildEdaReport(manifest, {
      outDir: out,
      samplesPerClass: 5,
      tile: 10,
      meanSize: 8,
      colourBaseline: { auroc: 0.97, source: "colour baseline X" },
    });
    const html = await readFile(r.html, "utf8");
    const sizes = await checkPngs(out, html);
    assert.ok(sizes.has("counts.png") && sizes.has("colour_hist_original.png") && sizes.has("colour_scatter.png"));
    // 5 tiles of 10 px in one row (8 columns), 4 px gaps.
    assert.deepEqual(sizes.get("samples_pro.png"), { width: 5 * 10 + 6 * 4, height: 10 + 2 * 4 });
    // The mean Benign image is the mean colour of its images: i = 0..3 (train), 0..1 (val, test).
    const mean = decodePng(new Uint8Array(await readFile(join(out, "mean_original_benign.png"))));
    const shift = (4 * (0 + 1 + 2 + 3 + 2 * (0 + 1))) / 8;
    assert.deepEqual([mean.width, ...mean.data.subarray(0, 3)], [
      8,
      ...[60, 60, 220].map((v) => Math.round(v - shift)),
    ]);
    // Balance table: train 8 all / 4 normal, ratio 2 : 1.
    assert.match(
      html,
      /<tr><td>train<\/td><td>original<\/td><td class="num">8<\/td><td class="num">4<\/td><td class="num">0\.667<\/td><td>2\.00 : 1<\/td>/,
    );
    const eda = JSON.parse(await readFile(join(out, "eda.json"), "utf8"));
    assert.equal(eda.measured, 24);
    assert.deepEqual(
      eda.counts.filter((c: { split: string }) => c.split === "val").map((
        c: { cls: string; count: number },
      ) => [c.cls, c.count]),
      [["Benign", 2], ["Pre", 2], ["Pro", 2]],
    );
    // Blue is lower in every all image than in any normal one: a perfect one-number colour rule.
    const meanB = r.separability.find((s) => s.stat === "meanB")!;
    assert.deepEqual([meanB.separation, meanB.direction], [1, "lower"]);
    assert.match(html, /Caveat: colour alone separates the classes/);
    assert.match(html, /A colour-only model \(colour baseline X\) reaches a test AUROC of 0\.970/);
    assert.equal(r.colourShortcut, true);
  });
});
