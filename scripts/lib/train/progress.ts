/**
 * A one-line progress bar on stderr with ETA and live statistics.
 *
 * @module
 */

/**
 * Formats seconds as `1h02m`, `3m05s` or `12s`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(185), "3m05s");
 * assert.equal(formatDuration(3725), "1h02m");
 * ```
 */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/**
 * The bar's text for `done` of `total` after `elapsed` seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   progressLine("epoch 1/40", 50, 100, 10, "loss 0.51"),
 *   "epoch 1/40 [██████████░░░░░░░░░░] 50/100 ETA 10s loss 0.51",
 * );
 * ```
 */
export function progressLine(
  label: string,
  done: number,
  total: number,
  elapsed: number,
  stats: string,
  width = 20,
): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(f * width);
  const eta = done > 0 ? (elapsed * (total - done)) / done : NaN;
  return `${label} [${"█".repeat(full)}${"░".repeat(width - full)}] ${done}/${total} ETA ${
    formatDuration(eta)
  } ${stats}`;
}

/**
 * A progress bar: `update` redraws it (at most ~5×/s on a terminal; every 10% otherwise),
 * `done` ends the line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // the trainer draws on stderr; here a stream that is not a terminal and keeps the lines
 * const lines: string[] = [];
 * const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
 * const bar = progressBar("epoch 1/40", 120, stream);
 * bar.update(10, "loss 0.6");
 * bar.done("loss 0.5");
 * assert.equal(lines.length, 2); // not a terminal: one line per tenth, and the last
 * assert.ok(lines[1].startsWith("epoch 1/40 [████████████████████] 120/120"));
 * ```
 */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
  const start = performance.now();
  let last = 0, lastDecile = -1;
  const tty = stream.isTTY === true;
  const draw = (done: number, stats: string, force: boolean) => {
    const now = performance.now();
    const line = progressLine(label, done, total, (now - start) / 1000, stats);
    if (tty) {
      if (!force && now - last < 200) return;
      last = now;
      stream.write(`\r\x1b[K${line}`);
    } else {
      const decile = Math.floor((10 * done) / Math.max(1, total));
      if (!force && decile === lastDecile) return;
      lastDecile = decile;
      stream.write(`${line}\n`);
    }
  };
  return {
    update: (done: number, stats: string) => draw(done, stats, false),
    done: (stats: string) => {
      draw(total, stats, true);
      if (tty) stream.write("\n");
    },
  };
}
