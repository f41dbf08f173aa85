/**
 * Out-of-domain check: the card's `domain.ranges` bound statistics of the resized image
 * (e.g. `meanR`, `stdG`); values outside them mean the image does not look like the training
 * images, so the service asks for review.
 *
 * @module
 */
import type { DomainCheck } from "../card/card.ts";

/**
 * Reasons the statistics violate the ranges (empty when in domain). A range naming a statistic
 * that `stats` lacks is reported too, since the check cannot be made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   checkDomain({ ranges: { meanR: [0.4, 0.9] } }, { meanR: 0.1 }),
 *   ["out_of_domain: meanR = 0.100 is outside [0.400, 0.900] seen in training"],
 * );
 * assert.deepEqual(checkDomain({ ranges: { meanR: [0.4, 0.9] } }, { meanR: 0.5 }), []);
 * ```
 */
export function checkDomain(domain: DomainCheck | undefined, stats: Record<string, number>): string[] {
  if (!domain?.ranges) return [];
  const reasons: string[] = [];
  for (const [name, [lo, hi]] of Object.entries(domain.ranges)) {
    const v = stats[name];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      reasons.push(`out_of_domain: statistic ${name} cannot be computed for this image`);
    } else if (v < lo || v > hi) {
      reasons.push(
        `out_of_domain: ${name} = ${v.toFixed(3)} is outside [${lo.toFixed(3)}, ${hi.toFixed(3)}] seen in training`,
      );
    }
  }
  return reasons;
}
