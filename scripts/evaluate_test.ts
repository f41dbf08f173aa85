/**
 * `scripts/evaluate.ts` (`deno task evaluate`) as a user runs it (`node --import tsx`), on
 * predictions written here.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../tests/helpers/run_script.ts";

Deno.test("evaluate CLI: --val-only scores, prints and writes val alone; without it test is there too", async () => {
  const dir = await mkdtemp(join(tmpdir(), "evaluate-cli-"));
  try {
    // 12 ALL and 12 normal images per split, logits that overlap a little
    const rows = ["val", "test"].flatMap((split) =>
      Array.from({ length: 24 }, (_, i) => ({
        path: `${split}/${i}.jpg`,
        split,
        label: i < 12 ? "all" : "normal",
        logit: i < 12 ? i - 1 : -(i - 12) + (split === "test" ? 3 : 1),
      }))
    );
    const preds = join(dir, "predictions.json");
    await writeFile(preds, JSON.stringify(rows));
    const both = await runScript("evaluate.ts", ["--predictions", preds, "--out", join(dir, "both.json")]);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /^\s+val\s+test$/m);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(join(dir, "both.json"), "utf8")).metrics), ["val", "test"]);
    const val = await runScript("evaluate.ts", ["--predictions", preds, "--out", join(dir, "val.json"), "--val-only"]);
    assert.equal(val.code, 0, val.stderr);
    assert.match(val.stdout, /^\s+val$/m);
    assert.doesNotMatch(val.stdout, /test/);
    const report = JSON.parse(await readFile(join(dir, "val.json"), "utf8"));
    assert.deepEqual(Object.keys(report.metrics), ["val"]);
    // the operating point is the same: chosen on val either way
    assert.equal(report.threshold, JSON.parse(await readFile(join(dir, "both.json"), "utf8")).threshold);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
