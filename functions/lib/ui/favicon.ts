/**
 * The pages' icon, inline as an SVG data URL (no `/favicon.ico` route, no request: the browser's
 * own probe of `/favicon.ico` would otherwise answer 404). The pages' CSP allows `data:` images.
 *
 * @module
 */

/**
 * The icon: a stained cell (violet nucleus on a pale cytoplasm), 32×32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.match(FAVICON_SVG, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32">/);
 * ```
 */
export const FAVICON_SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#f3d9e8" stroke="#8e5ba8" stroke-width="2"/><circle cx="14" cy="15" r="8" fill="#5b2d8c"/></svg>`;

/**
 * The `<link rel="icon">` tag both pages put in their `<head>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const href = faviconLink().match(/^<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,([^"]+)">$/)![1];
 * assert.equal(decodeURIComponent(href), FAVICON_SVG); // percent-encoded, so no quote ends the attribute
 * ```
 */
export function faviconLink(): string {
  return `<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}">`;
}
