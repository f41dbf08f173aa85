import assert from "node:assert/strict";
import type { ManifestItem } from "./split_manifest.ts";
import { manifestLeaks } from "./verify.ts";

Deno.test("manifestLeaks finds group, hash and view leaks", () => {
  const base: ManifestItem = { path: "a", label: "all", group: "g", split: "train", sha256: "1", view: "original" };
  assert.deepEqual(manifestLeaks([base, { ...base, path: "b", sha256: "2" }]), []);
  assert.match(
    manifestLeaks([base, { ...base, path: "b", sha256: "2", split: "test" }]).join(),
    /group g is on train and test/,
  );
  assert.match(
    manifestLeaks([base, { ...base, path: "b", group: "h", split: "val" }]).join(),
    /sha256 1 is on train and val/,
  );
  assert.match(
    manifestLeaks([{ ...base, split: "val" }, {
      ...base,
      path: "s",
      sha256: "3",
      view: "segmented",
      twinOf: "a",
      split: "val",
    }]).join(),
    /extra views belong to train only/,
  );
});
