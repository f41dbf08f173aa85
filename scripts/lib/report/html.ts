/**
 * Small HTML builders for the self-contained report pages: escaping, tables, figures and the page
 * shell with its inline stylesheet. Images are referenced by relative file names (next to the page)
 * so a report folder can be copied or zipped as a whole; no external assets.
 *
 * @module
 */

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeHtml(`<a href="x">`), "&lt;a href=&quot;x&quot;&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A table cell: text (escaped) or `{ html }` (inserted as is). */
export type Cell = string | number | { html: string };

function cell(c: Cell): string {
  if (typeof c === "number") return escapeHtml(formatNumber(c));
  if (typeof c === "string") return escapeHtml(c);
  return c.html;
}

/**
 * A number for display: integers as is, others with `digits` significant decimals, NaN as "n/a".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatNumber(0.98765), "0.988");
 * assert.equal(formatNumber(12), "12");
 * assert.equal(formatNumber(NaN), "n/a");
 * ```
 */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "n/a" : String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/**
 * An HTML table; numeric cells are right-aligned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const html = table(["class", "n"], [["all", 339], ["normal", 60]]);
 * assert.ok(html.startsWith("<table><thead><tr><th>class</th><th>n</th></tr></thead>"));
 * assert.ok(html.includes('<tr><td>all</td><td class="num">339</td></tr>'));
 * ```
 */
export function table(head: readonly string[], rows: readonly (readonly Cell[])[], caption?: string): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((r) =>
      `<tr>${r.map((c) => `<td${typeof c === "number" ? ' class="num"' : ""}>${cell(c)}</td>`).join("")}</tr>`
    )
    .join("\n");
  return `<table>${
    caption ? `<caption>${escapeHtml(caption)}</caption>` : ""
  }<thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * A figure showing an image file beside the page, with a caption (plain text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const html = figure("roc.png", "ROC curve", "Each line is one split; the dot is the chosen threshold.");
 * assert.match(html, /^<figure><img src="roc.png" alt="ROC curve" loading="lazy"><figcaption>Each line/);
 * ```
 */
export function figure(src: string, alt: string, caption: string, width?: number): string {
  const w = width ? ` width="${width}"` : "";
  return `<figure><img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}"${w} loading="lazy"><figcaption>${
    escapeHtml(caption)
  }</figcaption></figure>`;
}

/** One section of a page: a heading and its HTML body. */
export interface Section {
  id: string;
  title: string;
  html: string;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
.meta{color:#555;font-size:.9em}nav a{margin-right:1em}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{color:#444;font-size:.9em;max-width:900px}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}.caveat{background:#fff6e0;border-left:4px solid #e0a000;padding:.5em 1em;margin:1em 0}
.gallery{display:flex;flex-wrap:wrap;gap:10px}.gallery figure{margin:0;width:132px;font-size:.8em}
.gallery img{width:132px;height:132px;object-fit:contain}
.gallery figcaption{font-size:.78em;word-break:break-all}
`;

/**
 * The whole page: title, a line of metadata, a table of contents and the sections.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const sections = [{ id: "counts", title: "Counts", html: "…" }];
 * const html = page("EDA: taleqani", "manifest runs/taleqani/manifest.json", sections);
 * assert.ok(html.startsWith("<!doctype html>"));
 * assert.ok(html.includes('<nav><a href="#counts">Counts</a></nav>'));
 * ```
 */
export function page(title: string, meta: string, sections: readonly Section[]): string {
  const nav = sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join(" ");
  const body = sections.map((s) =>
    `<section id="${escapeHtml(s.id)}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`
  ).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1><p class="meta">${escapeHtml(meta)}</p><nav>${nav}</nav>
${body}
</body></html>
`;
}
