/**
 * The fingerprint rows carried before SHA-256: two independently seeded 53-bit mixes (cyrb53),
 * 22 base-36 characters. Kept only so the first push after the upgrade can recognise an unchanged
 * fact under its old fingerprint and rewrite it in place, instead of closing and reopening every
 * open row (which would lose when each current fact began). See adoptLegacyFingerprints.
 */
const SEED_A = 0x9e3779b9;
const SEED_B = 0x85ebca6b;

function finish53(h1: number, h2: number): number {
  const a = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  const b = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return 4294967296 * (2097151 & b) + (a >>> 0);
}

/** Only old rows have 22 characters: SHA-256 fingerprints have 24. */
export const isLegacyFingerprint = (fp: string): boolean => fp.length === 22;

export function legacyFingerprint(text: string): string {
  let a1 = 0xdeadbeef ^ SEED_A;
  let a2 = 0x41c6ce57 ^ SEED_A;
  let b1 = 0xdeadbeef ^ SEED_B;
  let b2 = 0x41c6ce57 ^ SEED_B;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a1 = Math.imul(a1 ^ ch, 2654435761);
    a2 = Math.imul(a2 ^ ch, 1597334677);
    b1 = Math.imul(b1 ^ ch, 2654435761);
    b2 = Math.imul(b2 ^ ch, 1597334677);
  }
  return finish53(a1, a2).toString(36).padStart(11, "0") + finish53(b1, b2).toString(36).padStart(11, "0");
}
