/**
 * A 144-bit fingerprint of a string: SHA-256 (node:crypto, also on Workers with nodejs_compat),
 * the first 18 bytes as 24 base64url characters. History rows store it so a diff loads one short
 * string per open row instead of every column; a missed change would need two versions of the same
 * key to collide (≈2^-144). On the 5,000-node benchmark's 115,000 facts it costs a third of the
 * two-seed cyrb53 it replaced (docs/performance.md, "Fingerprints").
 * Stored fingerprints must never change meaning: a different value for the same fact closes and
 * reopens every open row at the next changed push (test/unit/domain/fingerprint.test.ts pins them).
 * Rows still carrying the cyrb53 value it replaced are adopted in place (legacy-fingerprint.ts).
 */
import * as crypto from "node:crypto";

// The one-shot `crypto.hash` (Node ≥ 20.12) costs half of createHash's object per digest (a push
// hashes every fact); a runtime without it (workerd's node:crypto may lack it) keeps createHash.
// A namespace import, as a named import of a missing export would fail to link.
const digest: (text: string) => Buffer =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "buffer")
    : (text) => crypto.createHash("sha256").update(text).digest();

export function fingerprint(text: string): string {
  // The first 18 bytes encode to exactly the first 24 characters of the whole digest's base64url
  // (18 is a multiple of 3). Encoded alone they are a string of their own: a slice of the 43-character
  // text would keep that text alive too, twice the memory for every fact a push holds.
  return digest(text).toString("base64url", 0, 18);
}

/**
 * The fact with its fingerprint: facts are built from the canonical state with a fixed key order, so
 * plain JSON is canonical. Added in place, not spread into a copy: a push builds hundreds of facts
 * (GC is a tenth of it).
 */
export function withFingerprint<T extends object>(fact: T): T & { fp: string } {
  const withFp = fact as T & { fp: string };
  withFp.fp = fingerprint(JSON.stringify(fact));
  return withFp;
}
