import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../config.ts";
import { openApiSpec } from "./spec.ts";
import { ERROR_CODES } from "./schemas.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

type Json = Record<string, unknown>;

/** Every schema object in `node` (depth first), with its JSON pointer. */
function* schemas(node: unknown, at: string): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) yield* schemas(v, `${at}/${i}`);
  } else if (typeof node === "object" && node !== null) {
    const o = node as Json;
    if ("type" in o || "$ref" in o || "allOf" in o || "oneOf" in o || "anyOf" in o) yield [at, o];
    for (const [k, v] of Object.entries(o)) yield* schemas(v, `${at}/${k}`);
  }
}

Deno.test("openApiSpec: no object schema without properties (a generated client would type it as an empty record)", () => {
  const spec = openApiSpec(loadConfig({}));
  const bare = [...schemas(spec, "#")]
    .filter(([, s]) => s.type === "object" && !s.properties && s.additionalProperties === undefined)
    .map(([at]) => at);
  assert.deepEqual(bare, []);
  // and the fixed ones are real: the feedback's prediction and the card's nested objects
  const s = spec.components.schemas;
  assert.deepEqual(s.PredictionRecord.properties.model, { $ref: "#/components/schemas/ModelRef" });
  assert.deepEqual(s.PredictionRecord.properties.scores, { $ref: "#/components/schemas/Scores" });
  assert.deepEqual(Object.keys(s.ModelCard.properties.io), ["$ref"]);
  assert.deepEqual(s.Readiness.required, ["status", "model", "warnings"]);
});

Deno.test("openApiSpec: every $ref points at a component that exists", () => {
  const spec = openApiSpec(loadConfig({}));
  const refs = [...JSON.stringify(spec).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
  assert.ok(refs.length > 40, `only ${refs.length} refs`);
  const components = spec.components as unknown as Record<string, Record<string, unknown>>;
  const missing = refs.filter(([, kind, name]) => !components[kind]?.[name]).map(([r]) => r);
  assert.deepEqual(missing, []);
});

Deno.test("openApiSpec: every /v1 and /v2 operation describes 401, 429 and 500; the image routes every input error", () => {
  const spec = openApiSpec(loadConfig({}));
  const paths = spec.paths as unknown as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const statuses = Object.keys(op.responses);
      assert.ok(statuses.includes("500"), `${method} ${path} lacks 500`);
      if (path.startsWith("/v1/") || (path.startsWith("/v2") && !path.startsWith("/v2/health/"))) {
        for (const s of ["401", "429"]) assert.ok(statuses.includes(s), `${method} ${path} lacks ${s}`);
      }
    }
  }
  for (const path of ["/v1/predict", "/v1/explain", "/v1/predict/batch", "/v1/cells"]) {
    assert.deepEqual(
      Object.keys(paths[path].post.responses).sort(),
      ["200", "400", "401", "408", "413", "415", "422", "429", "500", "503", ...(path === "/v1/explain" ? ["501"] : [])]
        .sort(),
      path,
    );
  }
});

Deno.test("openApiSpec: the error codes are the service's (ErrorCode in functions/lib/http/errors.ts)", async () => {
  const source = await Deno.readTextFile(new URL("../http/errors.ts", import.meta.url));
  const union = /export type ErrorCode =([^;]+);/.exec(source)![1];
  const codes = [...union.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]);
  assert.deepEqual([...ERROR_CODES].sort(), codes.sort());
  const spec = openApiSpec(loadConfig({}));
  assert.deepEqual(spec.components.schemas.ErrorDetail.properties.code.enum, [...ERROR_CODES]);
});

Deno.test("openApiSpec: the configured limits and keys are in the document", () => {
  const open = openApiSpec(loadConfig({ MAX_BATCH: "3" }));
  assert.equal("security" in open, false);
  assert.equal(open.components.schemas.BatchJsonInput.properties.images.maxItems, 3);
  assert.match(open.paths["/v1/predict/batch"].post.summary, /up to 3\)/);
  const cells = openApiSpec(loadConfig({ MAX_CELLS: "7" }));
  assert.match(cells.paths["/v1/cells"].post.summary, /\(up to 7\)/);
  assert.match(cells.info.description, /7 cells classified per image/);
  const keyed = openApiSpec(loadConfig({ API_KEYS: "k1" }));
  assert.deepEqual(keyed.security, [{ bearer: [] }]);
  assert.deepEqual(keyed.paths["/healthz"].get.security, []); // health and docs need no key
});

Deno.test("openApiSpec: valid OpenAPI 3.1 by Redocly's recommended rules (no error, no warning)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "openapi_lint_" });
  try {
    const file = `${dir}/openapi.json`;
    await Deno.writeTextFile(file, JSON.stringify(openApiSpec(loadConfig({ API_KEYS: "k1" }))));
    // @redocly/openapi-core comes with openapi-typescript (a devDependency); node resolves it from the repo
    const script = `
      import { createConfig, lintFromString } from "@redocly/openapi-core";
      import { readFileSync } from "node:fs";
      const file = process.env.SPEC_FILE;
      // no licence to state; health, metrics and docs answer GET with no 4xx (only 405/501 to other methods)
      const config = await createConfig({
        extends: ["recommended"],
        rules: { "info-license": "off", "operation-4xx-response": "off" },
      });
      const problems = await lintFromString({ source: readFileSync(file, "utf8"), absoluteRef: file, config });
      console.log(JSON.stringify(problems.map((p) => [p.severity, p.ruleId, p.message, p.location?.[0]?.pointer])));
    `;
    const out = await new Deno.Command("node", {
      args: ["--input-type=module", "-e", script],
      cwd: ROOT,
      env: { SPEC_FILE: file },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `the linter did not run (exit ${out.code}): ${stderr}`);
    const problems = JSON.parse(new TextDecoder().decode(out.stdout));
    // the shared error answers of components.responses are documentation for every path (404/405/501)
    const real = problems.filter((p: string[]) =>
      !(p[1] === "no-unused-components" && /^#\/components\/responses\//.test(p[3]))
    );
    assert.deepEqual(real, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
