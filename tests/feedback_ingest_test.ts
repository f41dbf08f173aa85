/**
 * From the service's feedback export plus the lab's image folder to a manifest addition
 * (scripts/ingest_feedback.ts), end to end: predictions and feedback through the app, the NDJSON
 * export, and the script run on a folder holding some of the images.
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { buildAddition, parseExport } from "../scripts/ingest_feedback.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";
import { fixture } from "./helpers/images.ts";

const root = new URL("../", import.meta.url).pathname;

Deno.test("ingest_feedback: export + lab images → manifest addition matched by SHA-256", async () => {
  const app = createApp({ model: fakeRuntime(), config: loadConfig({}), log: () => {} });
  const names = ["cnmc_all_UID_35_6_2_all.png", "variant_grey8.png", "taleqani_Benign_WBC-Benign-001.jpg"];
  const shas: string[] = [];
  for (const [i, name] of names.entries()) {
    const p = await (await app.request("/v1/predict", { method: "POST", body: await fixture(name) })).json();
    shas.push(p.input.sha256);
    // two reviewers disagree on the first image; the later label wins
    for (const label of i === 0 ? ["normal", "all"] : ["normal"]) {
      const res = await app.request("/v1/feedback", {
        method: "POST",
        body: JSON.stringify({ requestId: p.requestId, label, reviewer: `r${i}` }),
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 201);
      await new Promise((r) => setTimeout(r, 2)); // distinct ids in time order
    }
  }
  const ndjson = await (await app.request("/v1/feedback")).text();
  const dir = await Deno.makeTempDir({ prefix: "ingest-" });
  try {
    // the lab keeps two of the three images, under its own names
    await Deno.mkdir(`${dir}/lab/2025`, { recursive: true });
    await Deno.writeFile(`${dir}/lab/2025/slide-7.png`, await fixture(names[0]));
    await Deno.writeFile(`${dir}/lab/cell.jpg`, await fixture(names[2]));
    await Deno.writeTextFile(`${dir}/feedback.ndjson`, ndjson);
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify({ version: 1, items: [{ sha256: shas[2] }] }));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${root}scripts/ingest_feedback.ts`,
        "--feedback",
        `${dir}/feedback.ndjson`,
        "--images",
        `${dir}/lab`,
        "--manifest",
        `${dir}/manifest.json`,
        "--out",
        `${dir}/out/addition.json`,
      ],
      cwd: root,
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const add = JSON.parse(await Deno.readTextFile(`${dir}/out/addition.json`));
    assert.equal(add.kind, "feedback-addition");
    assert.equal(add.root, `${dir}/lab`);
    assert.deepEqual(add.stats, { records: 4, images: 3, matched: 2, disagreements: 1, alreadyInManifest: 1 });
    assert.deepEqual(add.unmatched, [shas[1]]);
    assert.equal(add.items.length, 1);
    const [item] = add.items;
    assert.equal(item.path, "2025/slide-7.png");
    assert.equal(item.label, "all", "the latest review wins");
    assert.equal(item.sha256, shas[0]);
    assert.equal(item.split, "train");
    assert.equal(item.group, `feedback:${shas[0]}`);
    assert.equal(item.feedback.model.id, "all-fake");
    assert.equal(item.feedback.reviewer, "r0");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(() => parseExport('{"id":"x"}\n'), /line 1/);
  assert.equal(buildAddition(parseExport(ndjson), new Map(), "/x", { split: "val" }).unmatched.length, 3);
});
