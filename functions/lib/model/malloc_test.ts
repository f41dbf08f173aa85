import assert from "node:assert/strict";
import { idleTrimmer, SERVICE_MALLOC, trimMalloc, tuneMalloc } from "./malloc.ts";

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

Deno.test("trimMalloc: memory freed in the middle of the heap goes back to the system (Linux/glibc)", () => {
  if (Deno.build.os !== "linux") {
    assert.equal(trimMalloc(), false);
    return;
  }
  const libc = Deno.dlopen("libc.so.6", {
    malloc: { parameters: ["usize"], result: "pointer" },
    free: { parameters: ["pointer"], result: "void" },
    memset: { parameters: ["pointer", "i32", "usize"], result: "pointer" },
  });
  try {
    // 48 MB of touched 16 kB blocks (below the mmap threshold: heap memory), all freed but the
    // last, which pins the top of the heap so glibc's automatic top trim cannot release them
    const blocks = Array.from({ length: 3000 }, () => {
      const p = libc.symbols.malloc(16384n);
      libc.symbols.memset(p, 1, 16384n);
      return p;
    });
    for (const p of blocks.slice(0, -1)) libc.symbols.free(p);
    const before = Deno.memoryUsage().rss;
    assert.equal(trimMalloc(), true);
    const released = before - Deno.memoryUsage().rss;
    libc.symbols.free(blocks[blocks.length - 1]);
    assert.ok(released > 32e6, `released ${released} bytes`);
  } finally {
    libc.close();
  }
});

Deno.test("idleTrimmer: one trim after a quiet period, none while requests keep coming", async () => {
  let trims = 0;
  const t = idleTrimmer(40, () => trims++);
  for (let i = 0; i < 5; i++) {
    t.touch();
    await new Promise((r) => setTimeout(r, 10)); // busier than the quiet period
  }
  assert.equal(trims, 0);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(trims, 1);
  t.touch();
  t.stop();
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(trims, 1, "stop cancels a pending trim");
});
