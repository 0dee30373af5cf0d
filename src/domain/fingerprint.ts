/**
 * A fast, synchronous 106-bit fingerprint of a string (two independently seeded 53-bit mixes).
 * History rows store it so a diff loads one short string per open row instead of every column;
 * a missed change would need a collision between two versions of the same key (≈2^-106).
 */
function mix53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function fingerprint(text: string): string {
  return (
    mix53(text, 0x9e3779b9).toString(36).padStart(11, "0") +
    mix53(text, 0x85ebca6b).toString(36).padStart(11, "0")
  );
}
