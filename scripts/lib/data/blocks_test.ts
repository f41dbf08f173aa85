import assert from "node:assert/strict";
import { blockGroups, blockLabel, fileNumber, parseBlockGroup } from "./blocks.ts";

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

Deno.test("parseBlockGroup reads back what blockGroups wrote, numbered blocks only (asymmetric first and last)", () => {
  const groups = blockGroups(["Benign/WBC-Benign-0287.jpg", "Benign/b.jpg"], "Benign", 20);
  assert.deepEqual(parseBlockGroup(groups.get("Benign/WBC-Benign-0287.jpg")!), {
    series: "Benign",
    first: 281,
    last: 300,
  });
  assert.equal(parseBlockGroup(groups.get("Benign/b.jpg")!), undefined, "an unnumbered file's block is a position");
  assert.deepEqual(parseBlockGroup("a:b:1001-1020"), { series: "a:b", first: 1001, last: 1020 });
  assert.equal(parseBlockGroup("Benign:281"), undefined);
});
