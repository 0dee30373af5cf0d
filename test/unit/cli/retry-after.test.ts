import { describe, expect, it } from "vitest";
import { honouringRetryAfter, retryAfterSeconds } from "../../../src/cli/retry-after.js";

/** A fetch that answers the given responses in turn and records the waits it was told to do. */
function scripted(answers: Array<[number, string | null]>) {
  const waits: number[] = [];
  let calls = 0;
  const send = (async () => {
    const [status, retryAfter] = answers[Math.min(calls++, answers.length - 1)] ?? [200, null];
    return new Response("{}", { status, headers: retryAfter === null ? {} : { "retry-after": retryAfter } });
  }) as typeof fetch;
  const wrapped = honouringRetryAfter(send, {
    maxRetries: 3,
    maxDelaySeconds: 60,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { wrapped, waits, calls: () => calls };
}

describe("the CLI's fetch honours Retry-After", () => {
  it.each<[string, Array<[number, string | null]>, number, number[], number]>([
    ["a 200 is returned at once", [[200, null]], 200, [], 1],
    [
      "a 429 then a 200: waits as told, then succeeds",
      [
        [429, "2"],
        [200, null],
      ],
      200,
      [2000],
      2,
    ],
    [
      "a 503 with Retry-After is retried too",
      [
        [503, "1"],
        [200, null],
      ],
      200,
      [1000],
      2,
    ],
    ["a 503 without Retry-After is not retried", [[503, null]], 503, [], 1],
    ["a 429 without Retry-After is not retried", [[429, null]], 429, [], 1],
    ["gives up after three retries and returns the refusal", [[429, "1"]], 429, [1000, 1000, 1000], 4],
    ["a wait over the bound is not waited for", [[429, "3600"]], 429, [], 1],
    ["a 400 is never retried", [[400, "1"]], 400, [], 1],
  ])("%s", async (_name, answers, status, waits, calls) => {
    const s = scripted(answers);
    const res = await s.wrapped("http://127.0.0.1:1/x");
    expect(res.status).toBe(status);
    expect(s.waits).toEqual(waits);
    expect(s.calls()).toBe(calls);
  });

  it.each<[string | null, number | undefined]>([
    ["5", 5],
    [" 0 ", 0],
    [null, undefined],
    ["soon", undefined],
    ["Thu, 01 Jan 2026 00:00:30 GMT", 30],
  ])("reads Retry-After %j as %j seconds", (header, seconds) => {
    expect(retryAfterSeconds(header, Date.parse("2026-01-01T00:00:00Z"))).toBe(seconds);
  });
});
