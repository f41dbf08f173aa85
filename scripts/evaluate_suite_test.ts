/**
 * `scripts/evaluate_suite.ts` as the pipeline's suite step runs it (`node --import tsx`), on the
 * committed tiny model and fixture images: what it writes is a `suite.json` the card step parses.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRunJson } from "./lib/run/run_folder.ts";
import { runScript } from "../tests/helpers/run_script.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const item = (path: string, label: string, group: string, split = "test") => ({
  path,
  label,
  group,
  split,
  view: "original",
  sha256: "0".repeat(64),
});

function manifest(dataset: string, items: ReturnType<typeof item>[]) {
  return {
    version: 1,
    dataset,
    root: join(ROOT, "tests/fixtures/images"),
    created: "2025-01-01T00:00:00.000Z",
    split: { seed: 1, fractions: { train: 0, val: 0, test: 1 }, method: "fixture" },
    counts: {},
    items,
  };
}

const suite = (args: string[]) => runScript("evaluate_suite.ts", args);

Deno.test("evaluate_suite CLI: every shift and --check dataset answered, under a domain check that flags all", async () => {
  const dir = await mkdtemp(join(tmpdir(), "suite-cli-"));
  try {
    const test = join(dir, "manifest.json"), other = join(dir, "other.json");
    const domain = join(dir, "domain.json"), out = join(dir, "suite.json");
    await writeFile(
      test,
      JSON.stringify(manifest("taleqani", [
        item("taleqani_Early_WBC-Malignant-Early-001.jpg", "all", "Early:1"),
        item("taleqani_Early_WBC-Malignant-Early-001.libjpeg.png", "all", "Early:2"),
        item("taleqani_Benign_WBC-Benign-001.jpg", "normal", "Benign:1"),
        item("taleqani_Benign_WBC-Benign-001.libjpeg.png", "normal", "Benign:2"),
        item("cnmc_hem_UID_H10_100_1_hem.png", "normal", "Benign:3", "train"), // not in the test split
      ])),
    );
    await writeFile(
      other,
      JSON.stringify(manifest("cnmc", [
        item("cnmc_all_UID_35_6_2_all.png", "all", "cnmc:35", "train"),
        item("cnmc_hem_UID_H10_100_1_hem.png", "normal", "cnmc:H10", "val"),
      ])),
    );
    // mean red is never below 0.001 on these images: the check flags every one, so every answer is review
    await writeFile(domain, JSON.stringify({ ranges: { meanR: [0, 0.001] } }));
    const model = join(ROOT, "tests/fixtures/models/tiny.int8.onnx");
    const args = ["--model", model, "--manifest", test, "--out", out, "--domain", domain];
    const run = await suite([...args, "--shifts", "gamma", "--check", other]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /3 of 3 shifts miss a target/);

    const file = parseRunJson("suite", JSON.parse(await readFile(out, "utf8")), out);
    assert.deepEqual(file.results.map((r) => r.shift), ["identity", "gamma 0.8", "gamma 1.2"], "identity first");
    assert.deepEqual(file.data, { manifest: test, dataset: "taleqani", split: "test", n: 4 });
    assert.deepEqual(file.domain, { fromCard: false, features: false });
    for (const r of file.results) {
      assert.deepEqual(r.n, { all: 2, normal: 2 });
      assert.deepEqual([r.review.count, r.review.of, r.review.value], [4, 4, 1]);
      assert.deepEqual([r.outOfDomain.count, r.outOfDomain.value], [4, 1]);
      assert.deepEqual([r.allAnsweredNormal.count, r.normalAnsweredNormal.count, r.normalAnsweredAll.count], [0, 0, 0]);
    }
    assert.deepEqual(file.misses[0], {
      shift: "identity",
      missed: ["normal answered normal 0.0% < 85%", "review 100.0% > 5%"],
    });
    assert.equal(file.withinTargets, false);
    assert.deepEqual(file.checks.map(({ summary: _, ...c }) => c), [{
      manifest: other,
      dataset: "cnmc",
      n: 2,
      answered: { all: 0, normal: 0, review: 2 },
      outOfDomain: 2,
      wrong: 0,
      wrongShare: 0,
    }]);

    const bad = await suite([...args, "--shifts", "sharpen"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /evaluate_suite: selectSuite: unknown shift "sharpen"; valid families: identity, /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
