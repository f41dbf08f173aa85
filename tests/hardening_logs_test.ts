/**
 * The access log: exactly one JSON line per request with requestId, route, status, latency, model
 * version, and for predictions the input SHA-256, label and decision; never image bytes, file
 * names, keys, or reviewer notes.
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { jsonLine } from "../functions/lib/http/access_log.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";
import { fixture } from "./helpers/images.ts";

Deno.test("access log: one complete line per request, whatever the outcome; nothing sensitive", async () => {
  const lines: Record<string, unknown>[] = [];
  const app = createApp({
    model: fakeRuntime(),
    config: loadConfig({ API_KEYS: "key-abcdef-123" }),
    log: (r) => lines.push(r),
  });
  const auth = { authorization: "Bearer key-abcdef-123" };
  const png = await fixture("variant_grey8.png");
  const jpg = await fixture("taleqani_Benign_WBC-Benign-001.jpg");
  const form = new FormData();
  form.append("image", new Blob([png]), "PATIENT-NAME-0042.png");
  form.append("image", new Blob([jpg]), "another-secret-name.jpg");
  const requests: [string, RequestInit, number][] = [
    ["/v1/predict", { method: "POST", body: png, headers: { ...auth, "content-type": "image/png" } }, 200],
    ["/v1/explain", { method: "POST", body: jpg, headers: { ...auth, "content-type": "image/jpeg" } }, 200],
    ["/v1/predict/batch", { method: "POST", body: form, headers: auth }, 200],
    ["/v1/predict", { method: "POST", body: png.slice(0, 50), headers: { ...auth, "content-type": "image/png" } }, 400],
    ["/v1/predict", { method: "POST", body: png, headers: { authorization: "Bearer wrong-key-xyz" } }, 401],
    ["/healthz", {}, 200],
    ["/no/such", {}, 404],
  ];
  // deno-lint-ignore no-explicit-any
  const answers: { id: string; body: any }[] = [];
  for (const [path, init, status] of requests) {
    const res = await app.request(path, init);
    assert.equal(res.status, status, path);
    answers.push({
      id: res.headers.get("x-request-id")!,
      body: res.status === 200 && path.startsWith("/v1") ? await res.json() : await res.text(),
    });
  }
  const feedback = await app.request("/v1/feedback", {
    method: "POST",
    body: JSON.stringify({
      requestId: answers[0].id,
      label: "all",
      reviewer: "Dr Jane Roe",
      note: "PRIVATE-NOTE",
      caseId: "CASE-KEY-77",
    }),
    headers: { ...auth, "content-type": "application/json" },
  });
  assert.equal(feedback.status, 201);

  assert.equal(lines.length, requests.length + 1, "exactly one line per request");
  for (const [i, [path, , status]] of requests.entries()) {
    const mine = lines.filter((l) => l.requestId === answers[i].id);
    assert.equal(mine.length, 1, `${path}: one line`);
    const l = mine[0];
    assert.equal(l.status, status);
    assert.equal(typeof l.latencyMs, "number");
    assert.equal(l.modelVersion, "0.0.1");
    assert.equal(typeof l.ts, "string");
    assert.equal(l.level, "info");
    if (status === 404) assert.equal(l.route, "unmatched");
    else assert.equal(l.route, path);
  }
  const [single, explain, batch] = [0, 1, 2].map((i) => lines.find((l) => l.requestId === answers[i].id)!);
  for (const [l, a] of [[single, answers[0].body], [explain, answers[1].body]] as const) {
    assert.equal(l.inputSha256, a.input.sha256);
    assert.equal(l.label, a.label);
    assert.equal(l.decision, a.decision);
  }
  assert.deepEqual(
    batch.inputSha256,
    answers[2].body.results.map((r: { input: { sha256: string } }) => r.input.sha256),
  );
  assert.equal(batch.images, 2);

  const all = lines.map((l) => JSON.stringify(l)).join("\n");
  for (
    const secret of [
      "key-abcdef-123",
      "wrong-key-xyz",
      "PATIENT-NAME",
      "another-secret-name",
      "Dr Jane Roe",
      "PRIVATE-NOTE",
      "CASE-KEY-77",
    ]
  ) {
    assert.ok(!all.includes(secret), `${secret} must not be logged`);
  }
  // no image bytes in any encoding: the heatmap and the uploads stay out of the log
  const b64 = btoa(String.fromCharCode(...png.subarray(0, 48)));
  const hex = Array.from(png.subarray(16, 40), (b) => b.toString(16).padStart(2, "0")).join("");
  assert.ok(!all.includes(b64.slice(8, 40)) && !all.includes(hex) && !all.includes("data:image"));
  assert.ok(lines.every((l) => JSON.stringify(l).length < 2000), "lines stay small");
});

Deno.test("access log: the default sink writes exactly one parseable JSON line per record", () => {
  const out: string[] = [];
  const orig = console.log;
  console.log = (s: string) => out.push(s);
  try {
    jsonLine({ requestId: "r", note: "multi\nline" });
  } finally {
    console.log = orig;
  }
  assert.equal(out.length, 1);
  assert.ok(!out[0].includes("\n"));
  assert.deepEqual(JSON.parse(out[0]), { requestId: "r", note: "multi\nline" });
});
