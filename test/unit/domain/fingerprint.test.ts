import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprint } from "../../../src/domain/fingerprint.js";

// Stored rows carry these values, so they must not move (SHA-256 of the UTF-8 text, first 18 bytes, base64url).
const pinned: [string, string][] = [
  ["", "47DEQpj8HBSa-_TImW-5JCeu"],
  ["a", "ypeBEsobvcr6wjGzmiPcTaeG"],
  ['{"name":"node-0","ready":true}', "WeKUpII69BOWqoUVObftSDIi"],
  ["é漢字🙂\u0000", "MYDIOwLGvtUQOSdQmDwxaDWw"],
  ["x".repeat(1000), "RPg1RJSlugO6F5Ko0-nFNMR6"],
];

describe("fingerprint", () => {
  it.each(pinned)("keeps the stored value for %j", (text, expected) => {
    expect(fingerprint(text)).toBe(expected);
  });

  it("is the standard SHA-256, so any tool can recompute it", () => {
    const digest = createHash("sha256").update("é漢字🙂", "utf8").digest();
    expect(Buffer.from(fingerprint("é漢字🙂"), "base64url")).toEqual(digest.subarray(0, 18));
  });

  it("never equals a fingerprint of the cyrb53 it replaced (22 characters), so no old row passes for unchanged", () => {
    for (const [text] of pinned) expect(fingerprint(text)).toHaveLength(24);
  });
});
