import { createHash } from "node:crypto";

/** Bearer tokens: random, prefixed by what they grant, stored only as SHA-256 (they have 256 bits of entropy). */
export type TokenKind = "agent" | "read";

export function newToken(kind: TokenKind): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const body = btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
  return `ptl_${kind}_${body}`;
}

/** node:crypto (also on Workers with nodejs_compat): synchronous, no thread-pool hop per request. */
export async function hashToken(token: string): Promise<string> {
  return createHash("sha256").update(token).digest("hex");
}

/** Compares two token hashes in time independent of where they differ. */
export function sameHash(x: string, y: string): boolean {
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}
