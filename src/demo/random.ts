/**
 * Deterministic randomness for the demo fleet: no Math.random, and every draw is keyed by what it
 * names, so adding a workload does not reshuffle the names of the others.
 */

/** mulberry32: tiny, fast and good enough for names and jitter. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, to derive one generator per key from the fleet's seed. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function keyedRandom(seed: number, key: string): () => number {
  return mulberry32(seed ^ hashKey(key));
}

// The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes).
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** A generated-name suffix (`router-default-7bbdcfcf9b-xq2lk`), the same for the same seed and key. */
export function nameSuffix(seed: number, key: string, length: number): string {
  const next = keyedRandom(seed, key);
  let out = "";
  for (let i = 0; i < length; i++) out += SUFFIX_ALPHABET[Math.floor(next() * SUFFIX_ALPHABET.length)];
  return out;
}

/** A pod-template hash: ten lowercase hex-ish characters as Deployments' ReplicaSets carry. */
export function templateHash(seed: number, key: string): string {
  const next = keyedRandom(seed, `template:${key}`);
  let out = "";
  for (let i = 0; i < 10; i++) out += "0123456789bcdf"[Math.floor(next() * 14)];
  return out;
}
