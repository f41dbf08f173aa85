import assert from "node:assert/strict";
import { taleqaniClass } from "./taleqani.ts";

Deno.test("taleqani class names, including Kaggle style", () => {
  assert.equal(taleqaniClass("Benign"), "Benign");
  assert.equal(taleqaniClass("[Malignant] early Pre-B"), "Early");
  assert.equal(taleqaniClass("[Malignant] Pre-B"), "Pre");
  assert.equal(taleqaniClass("[Malignant] Pro-B"), "Pro");
  assert.equal(taleqaniClass("hem"), undefined);
  assert.equal(taleqaniClass("Preprocessed"), undefined);
});
