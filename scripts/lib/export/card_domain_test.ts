import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelFile } from "../../../model/core/mod.ts";
import { syntheticFeatureModel } from "../../../tests/helpers/feature_model.ts";
import { FIXTURE_SPLITS, fixtureManifest } from "../../../tests/helpers/domain_manifest.ts";
import { fitFeatureDomain } from "../domain/feature_fit.ts";
import { StepError } from "../run/cli.ts";
import { cardDomain } from "./card_domain.ts";

/** A run folder holding the synthetic feature model as the run's int8 model, with its run card. */
async function runFolder(): Promise<string> {
  const run = await mkdtemp(join(tmpdir(), "card-domain-"));
  const { bytes, card } = await syntheticFeatureModel();
  await writeFile(join(run, "model.int8.onnx"), bytes);
  await writeFile(join(run, "model.int8.json"), JSON.stringify({ ...card, file: "model.int8.onnx" }));
  return run;
}

Deno.test("cardDomain: without domain.json it fits the check as the domain step does, with the run's int8 model", async () => {
  const run = await runFolder();
  try {
    const lines: string[] = [];
    const { domain, source } = await cardDomain({ run, manifest: fixtureManifest(), log: (s) => lines.push(s) });
    assert.equal(source, "fitted");
    assert.deepEqual(Object.keys(domain!.ranges), ["stdR", "stdG", "stdB", "darkFraction"]);
    const f = domain!.features!;
    assert.deepEqual([f.output, f.dims], ["features", 6]);
    assert.deepEqual(f.fitted.images, FIXTURE_SPLITS.train.length);
    assert.deepEqual(f.fitted.validationImages, FIXTURE_SPLITS.val.length);
    assert.equal(f.fitted.quantile, 0.995);
    // exactly what `fit_domain.ts --features` fits (same library, same model, same backend)
    const model = await loadModelFile(join(run, "model.int8.onnx"), { backend: "node" });
    try {
      assert.deepEqual(domain, (await fitFeatureDomain(model, fixtureManifest())).domain);
    } finally {
      await model.close();
    }
    assert.match(lines[0], /no .*domain\.json \(deno task domain\): fitting the input-domain check now/);
    assert.match(lines.at(-1)!, /^card: fitted the input-domain check: 6 features from 8 train images/);
  } finally {
    await rm(run, { recursive: true, force: true });
  }
});

Deno.test("cardDomain: --domain FILE, then the run's domain.json, win over a fit; --no-domain skips all three", async () => {
  const run = await runFolder();
  try {
    const manifest = fixtureManifest();
    const never = () => Promise.reject(new Error("the model must not be loaded"));
    const file = join(run, "other_domain.json");
    await writeFile(file, JSON.stringify({ ranges: { stdG: [0.02, 0.3] } }));
    await writeFile(join(run, "domain.json"), JSON.stringify({ ranges: { stdR: [0.01, 0.4] } }));
    assert.deepEqual(await cardDomain({ run, manifest, domainFile: file, loadModel: never }), {
      domain: { ranges: { stdG: [0.02, 0.3] } },
      source: "flag",
    });
    assert.deepEqual(await cardDomain({ run, manifest, loadModel: never }), {
      domain: { ranges: { stdR: [0.01, 0.4] } },
      source: "run",
    });
    const lines: string[] = [];
    assert.deepEqual(
      await cardDomain({ run, manifest, noDomain: true, loadModel: never, log: (s) => lines.push(s) }),
      { source: "none" },
    );
    assert.match(lines[0], /--no-domain.*domain\.json is left out$/);
    await assert.rejects(
      cardDomain({ run, manifest, noDomain: true, domainFile: file }),
      (e) => e instanceof StepError && /--domain and --no-domain/.test(e.message),
    );
  } finally {
    await rm(run, { recursive: true, force: true });
  }
});

Deno.test("cardDomain: a fit it cannot make stops the step, saying to pass the data or --no-domain", async (t) => {
  const run = await runFolder();
  try {
    await t.step("the manifest's images are not there", async () => {
      const manifest = { ...fixtureManifest(), root: join(run, "no-such-dataset") };
      await assert.rejects(cardDomain({ run, manifest }), (e) => {
        assert.ok(e instanceof StepError, String(e));
        assert.match(e.message, /^cannot fit the input-domain check for the card \(/);
        assert.match(e.message, /taleqani_Benign_WBC-Benign-001\.jpg/); // the first train image it could not read
        assert.ok(e.message.includes(`the dataset under ${manifest.root}`));
        assert.match(e.message, /pass --no-domain to write the card without one/);
        return true;
      });
    });
    await t.step("the model has no pooled-features output (the tiny fixture)", async () => {
      const tiny = () => loadModelFile("tests/fixtures/models/tiny.int8.onnx");
      await assert.rejects(
        cardDomain({ run, manifest: fixtureManifest(), loadModel: tiny }),
        (e) => e instanceof StepError && /no pooled-features output/.test(e.message) && /--no-domain/.test(e.message),
      );
    });
  } finally {
    await rm(run, { recursive: true, force: true });
  }
});
