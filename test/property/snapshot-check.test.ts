/**
 * Property: checkSnapshot (what the agent runs before sending, without a parsed copy) gives exactly
 * parseSnapshot's verdict — the same acceptance, code and issues — for any value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSnapshot, parseSnapshot } from "../../src/contract/snapshot.js";
import { snapshotLike } from "./arbitraries.js";

const verdict = (result: ReturnType<typeof checkSnapshot>) =>
  result.ok ? { ok: true } : { ok: false, code: result.code, message: result.message, issues: result.issues };

describe("checkSnapshot", () => {
  it("gives parseSnapshot's verdict for any value", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), snapshotLike, snapshotLike), (input) => {
        expect(verdict(checkSnapshot(input))).toEqual(verdict(parseSnapshot(input)));
      }),
      { numRuns: 2000 },
    );
  });
});
