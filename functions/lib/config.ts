/**
 * Service configuration, read once from environment variables (no global state: the result is
 * passed to `createApp`).
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `MODEL` | `model/all-v1.int8.onnx` | ONNX model; its card is `<same name>.json` |
 * | `HOST` | `0.0.0.0` | listen address (Deno entry) |
 * | `PORT` | `8000` | listen port |
 * | `MAX_BODY_BYTES` | 20 MB | larger bodies get 413 |
 * | `MAX_PIXELS` | 4096×4096 | larger images get 422 `too_many_pixels` (from the header) |
 * | `MIN_SIDE` | 16 | images with a smaller side get 422 `too_small` |
 * | `MAX_BATCH` | 16 | most `image` parts in one batch request |
 * | `API_KEYS` | unset | comma-separated bearer keys; when set, `/v1/*` needs one |
 *
 * @module
 */
import { DEFAULT_MODEL } from "./model/default.ts";

/** Everything the service can be configured with. */
export interface Config {
  /** Path of the ONNX model (its card is beside it). */
  modelPath: string;
  host: string;
  port: number;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** Largest accepted width×height of an image. */
  maxPixels: number;
  /** Smallest accepted width or height. */
  minSide: number;
  /** Most images in one batch request. */
  maxBatch: number;
  /** Accepted bearer keys; empty means no authentication. */
  apiKeys: string[];
}

/** Defaults used for every variable that is not set. */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  modelPath: DEFAULT_MODEL,
  host: "0.0.0.0",
  port: 8000,
  maxBodyBytes: 20 * 1024 * 1024,
  maxPixels: 4096 * 4096,
  minSide: 16,
  maxBatch: 16,
  apiKeys: [],
});

/** A variable has a value the service cannot use; the message names it and what to set. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Builds a {@link Config} from environment variables; unset ones take {@link DEFAULT_CONFIG}.
 *
 * @example
 * ```ts
 * const config = loadConfig({ PORT: "9000", API_KEYS: "k1,k2" });
 * config.port; // 9000
 * config.apiKeys; // ["k1", "k2"]
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const d = DEFAULT_CONFIG;
  const str = (name: string, fallback: string): string => {
    const v = env[name]?.trim();
    return v ? v : fallback;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer in [${min}, ${max}]; fix or unset it`);
    }
    return v;
  };
  return {
    modelPath: str("MODEL", d.modelPath),
    host: str("HOST", d.host),
    port: int("PORT", d.port, 0, 65535),
    maxBodyBytes: int("MAX_BODY_BYTES", d.maxBodyBytes, 1),
    maxPixels: int("MAX_PIXELS", d.maxPixels, 1),
    minSide: int("MIN_SIDE", d.minSide, 1),
    maxBatch: int("MAX_BATCH", d.maxBatch, 1, 1024),
    apiKeys: (env.API_KEYS ?? "").split(",").map((k) => k.trim()).filter((k) => k !== ""),
  };
}
