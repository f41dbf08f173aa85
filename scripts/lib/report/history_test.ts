import assert from "node:assert/strict";
import { bestEpoch, parseHistory } from "./history.ts";

Deno.test("history: flat, nested and column shapes; best epoch by val loss", () => {
  const flat = parseHistory([{ epoch: 1, loss: 0.7, val_loss: 0.6, valAuc: 0.8, lr: 1e-3, seconds: 9 }, {
    epoch: 2,
    loss: 0.5,
    val_loss: 0.65,
    valAuc: 0.85,
    lr: 1e-3,
  }]);
  assert.deepEqual(flat.filter((r) => r.epoch === 1).map((r) => `${r.split}:${r.metric}=${r.value}`).sort(), [
    "other:lr=0.001",
    "train:loss=0.7",
    "val:auc=0.8",
    "val:loss=0.6",
  ]);
  assert.equal(bestEpoch(flat), 1);
  const nested = parseHistory({ epochs: [{ train: { loss: 1 }, val: { loss: 2 } }] });
  assert.deepEqual(nested.map((r) => [r.epoch, r.split, r.metric, r.value]), [[1, "train", "loss", 1], [
    1,
    "val",
    "loss",
    2,
  ]]);
  const cols = parseHistory({ epoch: [0, 1], history: { loss: [1, 0.5], training_acc: [0.5, 0.7] } });
  assert.deepEqual(cols.map((r) => `${r.epoch}:${r.split}:${r.metric}`), [
    "0:train:acc",
    "1:train:acc",
    "0:train:loss",
    "1:train:loss",
  ]);
  assert.throws(() => parseHistory({ note: "x" }), /no per-epoch numbers/);
});
