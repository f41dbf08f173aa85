/**
 * Keys, CORS, secure headers and CSP, rate limits, over the app.
 */
import assert from "node:assert/strict";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/lib/config.ts";
import { keyDigest, matchesAny } from "../functions/lib/http/auth.ts";
import { API_CSP, inlineBlocks, pageCsp } from "../functions/lib/security/headers.ts";
import { indexPage } from "../functions/lib/ui/index.ts";
import { docsPage } from "../functions/lib/ui/docs.ts";
import { fakeRuntime } from "./helpers/fake_model.ts";
import { fixture } from "./helpers/images.ts";

function setup(env: Record<string, string> = {}) {
  const lines: Record<string, unknown>[] = [];
  const app = createApp({ model: fakeRuntime(), config: loadConfig(env), log: (r) => lines.push(r) });
  return { app, lines };
}

Deno.test("keys: compared by digest over every key; wrong, missing and right keys; never in logs", async () => {
  const secret = "s3cr3t-key-123456";
  assert.equal(await matchesAny(secret, [await keyDigest("other"), await keyDigest(secret)]), true);
  assert.equal(await matchesAny(secret.slice(0, -1), [await keyDigest(secret)]), false);
  assert.equal(await matchesAny("", [await keyDigest(secret)]), false);
  const { app, lines } = setup({ API_KEYS: `other,${secret}` });
  const png = await fixture("variant_grey8.png");
  const send = (auth?: string) =>
    app.request("/v1/predict", {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png", ...(auth ? { authorization: auth } : {}) },
    });
  assert.equal((await send()).status, 401);
  assert.equal((await send(`Bearer ${secret}x`)).status, 401);
  assert.equal((await send(`Basic ${btoa(secret)}`)).status, 401);
  assert.equal((await send(`Bearer ${secret}`)).status, 200);
  assert.equal((await app.request("/healthz")).status, 200, "health needs no key");
  const logged = JSON.stringify(lines);
  assert.ok(!logged.includes(secret) && !logged.includes(btoa(secret)), "no key (or its base64) in any log line");
  assert.ok(!logged.toLowerCase().includes("authorization"));
});

Deno.test("secure headers on every answer; API answers forbid everything, pages allow only their own inline code", async () => {
  const { app } = setup();
  for (const path of ["/healthz", "/v1/model", "/nope"]) {
    const res = await app.request(path);
    assert.equal(res.headers.get("content-security-policy"), API_CSP, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "SAMEORIGIN");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.match(res.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
    await res.body?.cancel();
  }
  for (const [path, html] of [["/", indexPage()], ["/docs", docsPage()]] as const) {
    const res = await app.request(path);
    assert.equal(await res.text(), html);
    const csp = res.headers.get("content-security-policy")!;
    assert.equal(csp, await pageCsp(html));
    // each inline script and style is allowed by its hash, nothing else may run
    const scripts = inlineBlocks(html, "script"), styles = inlineBlocks(html, "style");
    assert.ok(scripts.length >= 1 && styles.length >= 1);
    for (const src of [...scripts, ...styles]) {
      const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(src)));
      assert.ok(csp.includes(`'sha256-${btoa(String.fromCharCode(...d))}'`));
    }
    assert.ok(!/unsafe-inline|unsafe-eval|\*/.test(csp), csp);
    // what the pages use is allowed: same-origin fetch (/openapi.json, /v1/explain), data:/blob: images
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /img-src 'self' data: blob:/);
    // and they rely on nothing the policy forbids: no external or inline-attribute code (the one
    // link is the icon, inline as a data: URL)
    const external =
      /<script[^>]+src=|<link (?!rel="icon" type="image\/svg\+xml" href="data:)|\son\w+=|style="|https?:\/\//;
    assert.ok(!external.test(html), `${path} is self-contained`);
  }
});

Deno.test("CORS: no CORS headers unless configured; then only allowlisted origins, preflight included", async () => {
  const none = setup().app;
  const res0 = await none.request("/healthz", { headers: { origin: "https://evil.example" } });
  assert.equal(res0.headers.get("access-control-allow-origin"), null);

  const { app } = setup({ CORS_ORIGINS: "https://lab.example" });
  const ok = await app.request("/v1/model", { headers: { origin: "https://lab.example" } });
  assert.equal(ok.headers.get("access-control-allow-origin"), "https://lab.example");
  assert.match(ok.headers.get("access-control-expose-headers") ?? "", /X-Request-Id/);
  const evil = await app.request("/v1/model", { headers: { origin: "https://evil.example" } });
  assert.equal(evil.headers.get("access-control-allow-origin"), null);
  const pre = await app.request("/v1/predict", {
    method: "OPTIONS",
    headers: {
      origin: "https://lab.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "https://lab.example");
  assert.match(pre.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
});

Deno.test("rate limit: per client address without keys, per key with keys; 429 JSON with Retry-After", async () => {
  const png = await fixture("variant_grey8.png");
  const post = (app: ReturnType<typeof createApp>, ip: string, key?: string) =>
    app.request("/v1/predict", {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    }, { remoteAddr: { hostname: ip, port: 1, transport: "tcp" } });
  const byIp = setup({ RATE_LIMIT_RPS: "0.001", RATE_LIMIT_BURST: "2" }).app;
  assert.equal((await post(byIp, "10.0.0.1")).status, 200);
  assert.equal((await post(byIp, "10.0.0.1", "made-up-key")).status, 200, "a made-up bearer does not buy a new bucket");
  const limited = await post(byIp, "10.0.0.1", "another-made-up-key");
  assert.equal(limited.status, 429);
  assert.equal((await limited.json()).error.code, "rate_limited");
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  assert.equal((await post(byIp, "10.0.0.2")).status, 200, "another address has its own bucket");
  assert.equal((await byIp.request("/healthz")).status, 200, "health checks are never limited");

  const byKey = setup({ API_KEYS: "k1,k2", RATE_LIMIT_RPS: "0.001", RATE_LIMIT_BURST: "1" }).app;
  assert.equal((await post(byKey, "10.0.0.1", "k1")).status, 200);
  assert.equal((await post(byKey, "10.0.0.9", "k1")).status, 429, "a key is limited wherever it comes from");
  assert.equal((await post(byKey, "10.0.0.1", "k2")).status, 200);
});

Deno.test("failed authentication: 429 after AUTH_FAILURE_LIMIT wrong keys from one address, right key included", async () => {
  const png = await fixture("variant_grey8.png");
  const { app, lines } = setup({ API_KEYS: "the-right-key", AUTH_FAILURE_LIMIT: "5", AUTH_FAILURE_WINDOW_S: "3600" });
  const send = (ip: string, key: string) =>
    app.request("/v1/predict", {
      method: "POST",
      body: png,
      headers: { "content-type": "image/png", authorization: `Bearer ${key}` },
    }, { remoteAddr: { hostname: ip, port: 1, transport: "tcp" } });
  // a guesser changes the key every time: the failures still count against its address
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await send("10.0.0.66", `guess-${i}`)).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
  const locked = await send("10.0.0.66", "the-right-key");
  assert.equal(locked.status, 429, "locked out: even the right key cannot tell a hit from a miss");
  assert.equal((await locked.json()).error.code, "rate_limited");
  assert.ok(Number(locked.headers.get("retry-after")) >= 1);
  assert.equal((await send("10.0.0.7", "the-right-key")).status, 200, "another address is not affected");
  assert.equal((await app.request("/healthz")).status, 200, "health needs no key and is never limited");

  // 3,000 guesses fired at once from one address: at most the limit are even told 401
  const { app: fresh } = setup({ API_KEYS: "the-right-key", AUTH_FAILURE_LIMIT: "5", AUTH_FAILURE_WINDOW_S: "3600" });
  const burst = await Promise.all(
    Array.from({ length: 3000 }, async (_, i) => {
      const res = await fresh.request("/v1/model", { headers: { authorization: `Bearer g${i}` } }, {
        remoteAddr: { hostname: "10.0.0.99", port: 1, transport: "tcp" },
      });
      await res.body?.cancel();
      return res.status;
    }),
  );
  assert.equal(burst.filter((s) => s === 401).length, 5);
  assert.equal(burst.filter((s) => s === 429).length, 2995);
  assert.ok(!JSON.stringify(lines).includes("guess-"), "presented keys are never logged");
});

Deno.test("Cache-Control: no-store on predictions, explanations, batches, feedback and its export (errors too)", async () => {
  const { app } = setup();
  const png = await fixture("variant_grey8.png");
  const post = (path: string, body: BodyInit, type?: string) =>
    app.request(path, { method: "POST", body, headers: type ? { "content-type": type } : {} });
  const form = new FormData();
  form.append("image", new Blob([png]), "a.png");
  const predicted = await post("/v1/predict", png, "image/png");
  const p = await predicted.json();
  const answers: [string, Response][] = [
    ["predict", predicted],
    ["explain", await post("/v1/explain", png, "image/png")],
    ["batch", await post("/v1/predict/batch", form)],
    [
      "feedback",
      await post("/v1/feedback", JSON.stringify({ requestId: p.requestId, label: "all" }), "application/json"),
    ],
    ["export", await app.request("/v1/feedback")],
    ["a refused upload", await post("/v1/predict", new Uint8Array([1, 2, 3]), "image/png")],
  ];
  for (const [what, res] of answers) {
    assert.ok(res.status < 500, what);
    assert.equal(res.headers.get("cache-control"), "no-store", what);
    if (!res.bodyUsed) await res.body?.cancel();
  }
  const card = await app.request("/v1/model");
  assert.equal(card.headers.get("cache-control"), null, "the model card is not private");
  await card.body?.cancel();
});
