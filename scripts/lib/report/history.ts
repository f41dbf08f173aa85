/**
 * Reading a trainer's `history.json` (per-epoch training and validation loss/metrics) into long
 * rows for plotting. Accepts the common shapes: an array of per-epoch objects (flat keys such as
 * `loss`/`val_loss`/`valAuc`, or nested `{ train: {…}, val: {…} }`), the same under `epochs` or
 * `history`, and TensorFlow.js' `{ epoch: [...], history: { loss: [...], val_loss: [...] } }`.
 *
 * @module
 */

/** One value of one metric at one epoch. */
export interface HistoryRow {
  epoch: number;
  /** Metric name without split prefix, e.g. `loss`, `auc`, `acc`. */
  metric: string;
  /** `train`, `val`, or `other` (learning rate and other per-epoch numbers). */
  split: "train" | "val" | "other";
  value: number;
}

const SKIP = /^(epoch|time|seconds|secs|duration|durationms|elapsed|elapsedms|timestamp|wallms|ms)$/i;
const OTHER = /^(lr|learningrate|learning_rate|imgpersec|imagespersec|img_per_sec|throughput)$/i;

function splitKey(key: string): { split: HistoryRow["split"]; metric: string } {
  let m: RegExpMatchArray | null;
  if (
    (m = key.match(/^(validation|val)[_.\-/]?(.+)$/i)) && (/[_.\-/]/.test(key[m[1].length]) || /[A-Z]/.test(m[2][0]))
  ) {
    return { split: "val", metric: lowerFirst(m[2]) };
  }
  if (
    (m = key.match(/^(training|train)[_.\-/]?(.+)$/i)) && (/[_.\-/]/.test(key[m[1].length]) || /[A-Z]/.test(m[2][0]))
  ) {
    return { split: "train", metric: lowerFirst(m[2]) };
  }
  return { split: OTHER.test(key) ? "other" : "train", metric: key };
}

function lowerFirst(s: string): string {
  return s[0].toLowerCase() + s.slice(1);
}

function epochRows(obj: Record<string, unknown>, index: number): HistoryRow[] {
  const epoch = typeof obj.epoch === "number" ? obj.epoch : index + 1;
  const rows: HistoryRow[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (SKIP.test(k)) continue;
    if (typeof v === "number" && Number.isFinite(v)) {
      rows.push({ epoch, ...splitKey(k), value: v });
    } else if (
      typeof v === "object" && v !== null && !Array.isArray(v) && /^(train|training|val|validation)$/i.test(k)
    ) {
      const split = /^t/i.test(k) ? "train" : "val";
      for (const [mk, mv] of Object.entries(v)) {
        if (typeof mv === "number" && Number.isFinite(mv) && !SKIP.test(mk)) {
          rows.push({ epoch, split, metric: mk, value: mv });
        }
      }
    }
  }
  return rows;
}

/**
 * Long rows from any supported history shape; throws when nothing numeric per epoch is found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseHistory([{ epoch: 1, loss: 0.7, val_loss: 0.6 }]), [
 *   { epoch: 1, metric: "loss", split: "train", value: 0.7 },
 *   { epoch: 1, metric: "loss", split: "val", value: 0.6 },
 * ]);
 * ```
 */
export function parseHistory(value: unknown, source = "history"): HistoryRow[] {
  let rows: HistoryRow[] = [];
  const v = value as Record<string, unknown>;
  if (Array.isArray(value)) {
    rows = value.flatMap((
      e,
      i,
    ) => (typeof e === "object" && e !== null ? epochRows(e as Record<string, unknown>, i) : []));
  } else if (v && typeof v === "object") {
    const inner = v.epochs ?? v.history;
    if (Array.isArray(inner)) return parseHistory(inner, source);
    const cols = (inner && typeof inner === "object" ? inner : v) as Record<string, unknown>;
    const epochs = Array.isArray(v.epoch) ? (v.epoch as number[]) : undefined;
    for (const [k, arr] of Object.entries(cols)) {
      if (!Array.isArray(arr) || SKIP.test(k)) continue;
      arr.forEach((x, i) => {
        if (typeof x === "number" && Number.isFinite(x)) {
          rows.push({ epoch: epochs?.[i] ?? i + 1, ...splitKey(k), value: x });
        }
      });
    }
  }
  if (rows.length === 0) {
    throw new Error(
      `${source}: no per-epoch numbers found; expected [{epoch, loss, val_loss, …}] or {history: {loss: [...], …}}`,
    );
  }
  return rows.sort((a, b) => a.metric.localeCompare(b.metric) || a.split.localeCompare(b.split) || a.epoch - b.epoch);
}

/**
 * The epoch the trainer kept: the last epoch flagged `best: true` in the raw history when the
 * trainer marks one (it may monitor AUROC rather than loss), else the epoch with the lowest
 * validation loss, else `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // the trainer's history.json
 * const json = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, val_loss: [0.5, 0.4, 0.45][epoch - 1] }));
 * assert.equal(bestEpoch(parseHistory(json), json), 2); // lowest val_loss
 * const marked = json.map((e) => ({ ...e, best: e.epoch === 3 })); // the trainer monitored something else
 * assert.equal(bestEpoch(parseHistory(marked), marked), 3);
 * ```
 */
export function bestEpoch(rows: readonly HistoryRow[], raw?: unknown): number | undefined {
  const list = Array.isArray(raw) ? raw : (raw as { epochs?: unknown })?.epochs;
  if (Array.isArray(list)) {
    let marked: number | undefined;
    list.forEach((e, i) => {
      if (e && typeof e === "object" && (e as { best?: unknown }).best === true) {
        const ep = (e as { epoch?: unknown }).epoch;
        marked = typeof ep === "number" ? ep : i + 1;
      }
    });
    if (marked !== undefined) return marked;
  }
  const val = rows.filter((r) => r.split === "val" && r.metric === "loss");
  if (val.length === 0) return undefined;
  return val.reduce((b, r) => (r.value < b.value ? r : b)).epoch;
}
