/**
 * The layout's rules, checked on the source (docs/ARCHITECTURE.md says why):
 * - `functions/` (the service) and `scripts/` (the pipeline) import the core only through
 *   `model/core/mod.ts`, and never import each other;
 * - the core imports neither side (its tests and benches may use `tests/helpers/`);
 * - one module opens ONNX sessions and one sets onnxruntime-web's globals;
 * - the trainer never reaches the evaluation-only shift suite (`scripts/lib/shift_suite/`).
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), ".."));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) out.push(...sourceFiles(path));
    } else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Relative specifiers of static imports/exports and of dynamic imports with a literal. */
export function relativeImports(source: string): string[] {
  // Comments hold examples, not imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  for (const m of code.matchAll(re)) found.push(m[1]);
  return found;
}

function violations(file: string): string[] {
  const text = Deno.readTextFileSync(join(ROOT, file));
  const side = file.split("/")[0];
  const isTestOnly = /(_test|_bench)\.ts$|\.node-test\.ts$/.test(file);
  const out: string[] = [];
  for (const spec of relativeImports(text)) {
    const target = relative(ROOT, normalize(join(ROOT, dirname(file), spec)));
    const inCore = target.startsWith("model/core/");
    if (side === "functions" || side === "scripts") {
      const other = side === "functions" ? "scripts/" : "functions/";
      if (target.startsWith(other)) out.push(`${file} imports ${target} (the other side)`);
      if (inCore && target !== "model/core/mod.ts") out.push(`${file} imports ${target} (use model/core/mod.ts)`);
    } else if (file.startsWith("model/core/")) {
      if (target.startsWith("functions/") || target.startsWith("scripts/")) out.push(`${file} imports ${target}`);
      if (target.startsWith("tests/") && !isTestOnly) out.push(`${file} imports test code ${target}`);
    }
  }
  return out;
}

Deno.test("relativeImports finds static, re-export, side-effect and dynamic imports, not commented ones", () => {
  const src = [
    'import { a } from "./a.ts";',
    'export { b } from "../b.ts";',
    'import "./side.ts";',
    'const c = await import("./c.ts");',
    '// import { d } from "./d.ts";',
    '/** import { e } from "./e.ts"; */',
    'import { f } from "npm:f";',
  ].join("\n");
  assert.deepEqual(relativeImports(src), ["./a.ts", "../b.ts", "./side.ts", "./c.ts"]);
});

Deno.test("functions/ and scripts/ import the core only through model/core/mod.ts, and never each other", () => {
  const files = [...sourceFiles("functions"), ...sourceFiles("scripts"), ...sourceFiles("model/core")];
  assert.ok(files.length > 100, `found only ${files.length} source files: is ROOT (${ROOT}) right?`);
  const found = files.flatMap(violations);
  assert.deepEqual(found, [], found.join("\n"));
});

Deno.test("the typed client (functions/client/) imports nothing, so a portal can take its one file as it is", () => {
  const files = sourceFiles("functions/client").filter((f) => !/_test\.ts$/.test(f));
  assert.ok(files.includes("functions/client/mod.ts"), `found ${files.join(", ")}`);
  const found = files.flatMap((f) => {
    const code = Deno.readTextFileSync(join(ROOT, f)).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
    return [...code.matchAll(re)].map((m) => `${f} imports ${m[1]} (the client needs nothing but fetch)`);
  });
  assert.deepEqual(found, [], found.join("\n"));
});

Deno.test("one module opens ONNX sessions; one sets onnxruntime-web's globals", () => {
  const files = [
    ...sourceFiles("functions"),
    ...sourceFiles("scripts"),
    ...sourceFiles("model"),
    ...sourceFiles("tests"),
  ]
    .filter((f) => f !== "tests/architecture_test.ts");
  const using = (pattern: RegExp) =>
    files.filter((f) => pattern.test(Deno.readTextFileSync(join(ROOT, f)).replace(/\/\*[\s\S]*?\*\//g, "")));
  assert.deepEqual(using(/InferenceSession\s*\.\s*create\s*\(/), ["model/core/onnx/session.ts"]);
  assert.deepEqual(using(/\benv\.wasm\.\w+\s*=/), ["model/core/onnx/ort_web.ts"]);
});

/** Every file reachable from `starts` through relative imports, each with the chain that reaches it. */
function reachable(starts: string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>(starts.map((f) => [f, [f]]));
  const queue = [...starts];
  while (queue.length > 0) {
    const file = queue.shift()!;
    let text: string;
    try {
      text = Deno.readTextFileSync(join(ROOT, file));
    } catch {
      continue; // a non-source import (JSON, wasm) or a file that does not exist: nothing to follow
    }
    for (const spec of relativeImports(text)) {
      const target = relative(ROOT, normalize(join(ROOT, dirname(file), spec)));
      if (!seen.has(target)) {
        seen.set(target, [...seen.get(file)!, target]);
        queue.push(target);
      }
    }
  }
  return seen;
}

const SUITE = "scripts/lib/shift_suite/";

Deno.test("the trainer never imports the evaluation-only shift suite, directly or through other modules", () => {
  // The suite's families are what the model is judged on as shifts it has never seen; a model
  // trained on them (as augmentation, or by a helper that reuses them) would pass that test by
  // construction. Training augmentations live in scripts/lib/train/augment.ts.
  const starts = ["scripts/train.ts", ...sourceFiles("scripts/lib/train")];
  assert.ok(starts.length > 10, `found only ${starts.length} trainer files`);
  const found = [...reachable(starts)]
    // where a chain enters the suite (not every suite module reached after that)
    .filter(([file, chain]) => file.startsWith(SUITE) && !(chain.at(-2) ?? "").startsWith(SUITE))
    .map(([, chain]) => `${chain.join(" → ")} (evaluation families must never be trained on)`);
  assert.deepEqual(found, [], found.join("\n"));
});
