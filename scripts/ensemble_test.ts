/**
 * `scripts/ensemble.ts` (`deno task ensemble`) as a user runs it (`node --import tsx`): what it
 * refuses before reading any model (the merged graph itself is tested in `lib/onnx/ensemble_test.ts`).
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../tests/helpers/run_script.ts";

Deno.test("ensemble CLI: --point fitted for another number of members is refused, nothing written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ensemble-cli-"));
  try {
    const spec = {
      size: 32,
      crop: "none",
      resize: "area",
      normalization: { mode: "fixed", mean: [0, 0, 0], std: [1, 1, 1] },
      channelOrder: "RGB",
      alphaBackground: 0,
    };
    const runs = [join(dir, "a"), join(dir, "b")];
    for (const run of runs) {
      await mkdir(run, { recursive: true });
      await writeFile(join(run, "preprocess.json"), JSON.stringify(spec));
      await copyFile("tests/fixtures/models/tiny.float.onnx", join(run, "model.float.onnx"));
    }
    const point = join(dir, "folds.json");
    await writeFile(
      point,
      JSON.stringify({
        fitted: {
          memberTemperatures: [0.5, 0.6, 0.7],
          temperature: 0.8,
          threshold: 0.5,
          reviewBand: [0.1, 0.9],
          rule: { targetSensitivity: 0.99, bandSensitivity: 0.998, bandSpecificity: 0.99 },
        },
      }),
    );
    const out = join(dir, "out");
    const r = await runScript("ensemble.ts", [
      "--members",
      runs.join(","),
      "--manifest",
      join(dir, "none.json"),
      "--out",
      out,
      "--point",
      point,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /folds\.json was fitted for 3 members, --members names 2/);
    await assert.rejects(() => Deno.stat(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
