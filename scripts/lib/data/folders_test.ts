import assert from "node:assert/strict";
import { parseClassMap } from "./folders.ts";

Deno.test("parseClassMap", () => {
  assert.deepEqual(parseClassMap("ALL=all, hem=normal"), { all: "all", hem: "normal" });
  assert.throws(() => parseClassMap("all=malignant"), /must be <folder>=all/);
});
