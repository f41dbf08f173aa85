import assert from "node:assert/strict";
import { blockGroups, blockLabel, fileNumber } from "./blocks.ts";

Deno.test("fileNumber and blocks", () => {
  assert.equal(fileNumber("original/Pro/WBC-Malignant-Pro-011.jpg"), 11);
  assert.equal(fileNumber("x/UID_11_10_3_all.bmp"), 3);
  assert.equal(fileNumber("cell.png"), undefined);
  assert.equal(blockLabel(1, 20), "001-020");
  assert.equal(blockLabel(20, 20), "001-020");
  assert.equal(blockLabel(21, 20), "021-040");
  assert.equal(blockLabel(1005, 20), "1001-1020");
  const g = blockGroups(["c/b.png", "c/x-40.png", "c/a.png", "c/x-41.png"], "c", 20);
  assert.equal(g.get("c/x-40.png"), "c:021-040");
  assert.equal(g.get("c/x-41.png"), "c:041-060");
  assert.equal(g.get("c/a.png"), "c:#001-020");
  assert.throws(() => blockGroups([], "c", 0), /positive integer/);
});
