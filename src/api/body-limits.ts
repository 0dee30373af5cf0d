/**
 * Every route that reads a request body reads it here first, through rest/body.ts's capped reader:
 * a body over its route's limit is refused with 413 PAYLOAD_TOO_LARGE before it is held (Content-Length
 * at once, chunked bodies as they stream, gzip after decompression). What passes is handed on as text,
 * so tRPC and the form parser never read the client's stream themselves. The snapshot push reads its
 * own body with its own, larger limit (rest/snapshots.ts); no other route reads one.
 */
import type { Context, MiddlewareHandler } from "hono";
import { MAX_MANIFEST_CHARS } from "../services/capacity/manifest.js";
import { toServiceError } from "../services/errors.js";
import type { AppEnv } from "./env.js";
import { refuse } from "./limits/middleware.js";
import { readBodyText } from "./rest/body.js";

/** Default of PORTOLAN_MAX_REQUEST_BYTES: above the largest input any ordinary procedure accepts. */
export const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;

/** the JSON around a call's input (keys, options, a batch's numbering) */
const ENVELOPE_BYTES = 64 * 1024;

/**
 * capacity.checkManifest: a manifest at its limit of MAX_MANIFEST_CHARS (1 MiB of text), JSON-encoded:
 * at most 3 bytes per character (UTF-8 of a non-ASCII character; an escape takes 2), and the envelope.
 */
export const MANIFEST_BODY_BYTES = 3 * MAX_MANIFEST_CHARS + ENVELOPE_BYTES;

/** The token form: a token and nothing else. */
export const FORM_BODY_BYTES = 4096;

/** Procedures whose input may be larger than an ordinary call's, with their body limit. */
const LARGE_INPUTS: ReadonlyMap<string, number> = new Map([["capacity.checkManifest", MANIFEST_BODY_BYTES]]);

/** A /trpc request's limit: the sum of its calls' (a batch carries at most PORTOLAN_MAX_BATCH_CALLS). */
export function trpcBodyLimit(c: Context<AppEnv>, ordinary: number): number {
  const procedures = new URL(c.req.url).pathname.replace(/^\/trpc\/?/, "");
  const calls = c.req.query("batch") === "1" ? procedures.split(",") : [procedures];
  return calls.reduce((sum, path) => sum + Math.max(ordinary, LARGE_INPUTS.get(path) ?? 0), 0);
}

export function limitBodies(limitOf: (c: Context<AppEnv>) => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.method === "GET" || raw.method === "HEAD" || raw.body === null) return next();
    let text: string;
    try {
      text = await readBodyText(raw, limitOf(c));
    } catch (error) {
      const known = toServiceError(error);
      if (!known) throw error;
      return refuse(c, known);
    }
    const headers = new Headers(raw.headers);
    headers.delete("content-encoding");
    headers.delete("content-length");
    c.req.raw = new Request(raw.url, { method: raw.method, headers, body: text, signal: raw.signal });
    await next();
  };
}
