import { describe, expect, it } from "vitest";
import { fingerprint } from "../../../src/domain/fingerprint.js";

// Values computed by the original two-pass implementation: stored rows carry them, so they must not move.
const pinned: [string, string][] = [
  ["", "1aggevgbi2j1247s7v64qa"],
  ["a", "0bmnxinv5js16ayds5vhae"],
  ['{"name":"node-0","ready":true}', "00bzcfkn6mi0z6eqb3sf22"],
  ["é漢字🙂\u0000", "1aqse332o0e1qj7fpd17lx"],
  ["x".repeat(1000), "0xj7cowv0b91h5oan4nljr"],
];

describe("fingerprint", () => {
  it.each(pinned)("keeps the stored value for %j", (text, expected) => {
    expect(fingerprint(text)).toBe(expected);
  });
});
