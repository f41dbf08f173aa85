/**
 * `scripts/compare_members.ts` (`deno task combos`) as a user runs it (`node --import tsx`), on
 * the committed tiny models as two trained runs and the fixture images.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../tests/helpers/run_script.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MODELS = join(ROOT, "tests/fixtures/models");

const combos = (args: string[]) => runScript("compare_members.ts", args);

/** A run folder as `deno task combos` reads it: the float model, its preprocessing, I/O names and val temperature. */
async function runFolder(dir: string, model: string, temperature: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await copyFile(join(MODELS, model), join(dir, "model.float.onnx"));
  const card = JSON.parse(await readFile(join(MODELS, "tiny.float.json"), "utf8"));
  await writeFile(join(dir, "preprocess.json"), JSON.stringify(card.preprocess));
  await writeFile(
    join(dir, "onnx_export.json"),
    JSON.stringify({
      kind: "onnx-export",
      checkpoint: "best",
      opset: 17,
      floatBytes: 7339,
      io: card.io,
      parity: { images: 1, maxAbsLogitDiff: 0, tolerance: 1e-4 },
    }),
  );
  await writeFile(
    join(dir, "eval.json"),
    JSON.stringify({ version: 1, temperature, threshold: 0.5, reviewBand: [0.4, 0.6], metrics: { val: {} } }),
  );
}

const item = (path: string, label: string, group: string) => ({
  path,
  label,
  group,
  split: "val",
  view: "original",
  sha256: "0".repeat(64),
});

Deno.test("combos CLI: members scored once under each shift, cached by model, every combination answered", async () => {
  const dir = await mkdtemp(join(tmpdir(), "combos-cli-"));
  try {
    const a = join(dir, "a"), b = join(dir, "b");
    await runFolder(a, "tiny.float.onnx", 1);
    await runFolder(b, "tiny.float.onnx", 4); // the same network, a softer temperature
    const manifest = join(dir, "manifest.json"), cache = join(dir, "cache.json"), out = join(dir, "report.json");
    await writeFile(
      manifest,
      JSON.stringify({
        version: 1,
        dataset: "taleqani",
        root: join(ROOT, "tests/fixtures/images"),
        created: "2025-01-01T00:00:00.000Z",
        split: { seed: 1, fractions: { train: 0, val: 1, test: 0 }, method: "fixture" },
        counts: {},
        items: [
          item("taleqani_Early_WBC-Malignant-Early-001.jpg", "all", "Early:1"),
          item("taleqani_Early_WBC-Malignant-Early-001.libjpeg.png", "all", "Early:2"),
          item("taleqani_Benign_WBC-Benign-001.jpg", "normal", "Benign:1"),
          item("taleqani_Benign_WBC-Benign-001.libjpeg.png", "normal", "Benign:2"),
        ],
      }),
    );
    const args = ["--runs", `${a},${b}`, "--manifest", manifest, "--shifts", "gamma", "--cache", cache];
    const first = await combos([...args, "--out", out]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.stderr.match(/^scored .*$/gm), ["scored identity", "scored gamma 0.8", "scored gamma 1.2"]);
    assert.match(first.stdout, /^4 val images \(2 ALL\), 2 shifts;/);
    const lines = first.stdout.trim().split("\n").slice(2);
    assert.deepEqual(lines.map((l) => l.split(" ")[0]).sort(), ["a", "a+b", "b"]);

    const cached = JSON.parse(await readFile(cache, "utf8"));
    assert.deepEqual(Object.keys(cached.runs[a].byShift), ["identity", "gamma 0.8", "gamma 1.2"]);
    for (const logits of Object.values(cached.runs[a].byShift) as number[][]) assert.equal(logits.length, 4);
    assert.deepEqual(cached.runs[b].byShift, cached.runs[a].byShift, "the same model scores the same");
    assert.notDeepEqual(
      cached.runs[a].byShift["gamma 0.8"],
      cached.runs[a].byShift.identity,
      "a shift changes the input",
    );

    // a temperature rescales the logit only: recalibrated, a and b answer alike; their mean too
    const report = JSON.parse(await readFile(out, "utf8"));
    assert.equal(report.kind, "member-combos");
    const byName = Object.fromEntries(report.reports.map((r: { combo: string }) => [r.combo, r]));
    const answers = (r: { shifts: unknown[] }) => JSON.stringify(r.shifts);
    assert.equal(answers(byName.a), answers(byName.b));
    assert.equal(answers(byName["a+b"]), answers(byName.a));
    assert.ok(Math.abs(byName.b.temperature * 4 - byName.a.temperature) < 1e-3 * byName.a.temperature);

    // again: everything from the cache; then another model in b: only b is scored again
    const again = await combos([...args, "--combo", "a*2+b"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr.match(/^scored/gm), null);
    assert.match(again.stdout.split("\n")[2], /^a\*2\+b /);
    await copyFile(join(MODELS, "tiny.int8.onnx"), join(b, "model.float.onnx"));
    const changed = await combos(args);
    assert.equal(changed.code, 0, changed.stderr);
    const recached = JSON.parse(await readFile(cache, "utf8"));
    assert.deepEqual(recached.runs[a], cached.runs[a]);
    assert.notEqual(recached.runs[b].model, cached.runs[b].model);

    const bad = await combos([...args, "--combo", "a+c"]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /compare_members failed: --combo: combination "a\+c": "c" is not one of the runs \(known: a, b\)/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
