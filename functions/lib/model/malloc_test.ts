import assert from "node:assert/strict";
import { SERVICE_MALLOC, tuneMalloc } from "./malloc.ts";

Deno.test("tuneMalloc: applies on Linux/glibc with FFI, refuses nothing else silently", () => {
  const applied = tuneMalloc(SERVICE_MALLOC);
  if (Deno.build.os === "linux") {
    // glibc (Debian) under `deno test -A`: mallopt accepts both values
    assert.equal(applied, true);
    // allocation still works after the change, small and large
    const big = new Uint8Array(4 << 20).fill(1);
    assert.equal(big[big.length - 1], 1);
  } else {
    assert.equal(applied, false);
  }
});
