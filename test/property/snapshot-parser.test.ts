/**
 * Property: whatever a client sends, the parser answers with a snapshot or a refusal code, and the
 * HTTP app answers 200 or a 4xx with a JSON error body: never a throw, never a 500.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSnapshot, snapshotErrorCodes } from "../../src/contract/snapshot.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { snapshotLike } from "./arbitraries.js";

const anyInput = fc.oneof(fc.jsonValue(), fc.anything(), snapshotLike);

describe("parseSnapshot never throws", () => {
  it("gives a snapshot or a refusal with a known code for any value", () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const parsed = parseSnapshot(input);
        if (!parsed.ok) {
          expect(snapshotErrorCodes).toContain(parsed.code);
          expect(parsed.issues.length).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("POST /v1/snapshots never answers 500", () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness();
    token = await h.register("prod-eu-1");
  });
  afterAll(() => h.close());

  it("answers 200 or a 4xx with a JSON error code for any snapshot-like body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), snapshotLike), async (body) => {
        const res = await h.push(token, body);
        if (res.status === 200) return;
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        const answer = (await res.json()) as { error: { code: string; message: string } };
        expect(typeof answer.error.code).toBe("string");
      }),
      { numRuns: 150 },
    );
  });
});
