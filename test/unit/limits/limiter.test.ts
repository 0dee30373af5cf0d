import { describe, expect, it } from "vitest";
import { ConcurrencyGate, countTrpcCalls, TokenBuckets } from "../../../src/api/limits/limiter.js";

/** [ms since start, key, cost, expected: true admitted, or the Retry-After seconds] */
type Step = [number, string, number, true | number];

describe("token buckets", () => {
  it.each<[string, { perSecond: number; burst: number }, Step[]]>([
    [
      "a burst is admitted, the next call waits for one token",
      { perSecond: 1, burst: 3 },
      [
        [0, "a", 1, true],
        [0, "a", 1, true],
        [0, "a", 1, true],
        [0, "a", 1, 1],
      ],
    ],
    [
      "tokens refill with time, never beyond the burst",
      { perSecond: 2, burst: 2 },
      [
        [0, "a", 2, true],
        [500, "a", 1, true],
        [500, "a", 1, 1],
        [10_000, "a", 2, true],
        [10_000, "a", 1, 1],
      ],
    ],
    [
      "one key's throttling does not touch another's",
      { perSecond: 1, burst: 1 },
      [
        [0, "a", 1, true],
        [0, "a", 1, 1],
        [0, "b", 1, true],
      ],
    ],
    [
      "a costly call says how long until its whole cost has refilled",
      { perSecond: 2, burst: 10 },
      [
        [0, "a", 10, true],
        [0, "a", 7, 4],
      ],
    ],
    [
      "a cost above the burst is clamped to the burst, so it can ever pass",
      { perSecond: 1, burst: 5 },
      [[0, "a", 40, true]],
    ],
    [
      "a refused call takes nothing",
      { perSecond: 1, burst: 2 },
      [
        [0, "a", 2, true],
        [1000, "a", 2, 1],
        [2000, "a", 2, true],
      ],
    ],
  ])("%s", (_name, rule, steps) => {
    let now = 0;
    const buckets = new TokenBuckets(rule, () => now);
    for (const [at, key, cost, expected] of steps) {
      now = at;
      const admission = buckets.take(key, cost);
      expect(admission).toEqual(
        expected === true ? { ok: true } : { ok: false, retryAfterSeconds: expected },
      );
    }
  });

  it("forgets keys beyond its bound, keeping memory flat under many tokens", () => {
    let now = 0;
    const buckets = new TokenBuckets({ perSecond: 1, burst: 5 }, () => now, 100);
    for (let i = 0; i < 1000; i++) {
      now = i;
      buckets.take(`key-${i}`);
    }
    expect(buckets.size).toBeLessThanOrEqual(100);
  });
});

describe("concurrency gate", () => {
  it.each<[string, { total: number; perPrincipal: number }, [string, "enter" | "leave", true | string][]]>([
    [
      "a principal may run perPrincipal calls at once",
      { total: 10, perPrincipal: 2 },
      [
        ["a", "enter", true],
        ["a", "enter", true],
        ["a", "enter", "principal"],
        ["b", "enter", true],
      ],
    ],
    [
      "the process runs at most total calls, whoever asks",
      { total: 2, perPrincipal: 2 },
      [
        ["a", "enter", true],
        ["b", "enter", true],
        ["c", "enter", "server"],
      ],
    ],
    [
      "leaving frees the slot for the next call",
      { total: 1, perPrincipal: 1 },
      [
        ["a", "enter", true],
        ["b", "enter", "server"],
        ["a", "leave", true],
        ["b", "enter", true],
      ],
    ],
  ])("%s", (_name, rule, steps) => {
    const gate = new ConcurrencyGate(rule);
    const held = new Map<string, (() => void)[]>();
    for (const [key, action, expected] of steps) {
      if (action === "leave") {
        held.get(key)?.pop()?.();
        continue;
      }
      const entry = gate.enter(key);
      if (entry.ok) held.set(key, [...(held.get(key) ?? []), entry.leave]);
      expect(entry.ok ? true : entry.scope).toBe(expected);
    }
  });

  it("counts a leave once even if called twice", () => {
    const gate = new ConcurrencyGate({ total: 2, perPrincipal: 2 });
    const first = gate.enter("a");
    gate.enter("a");
    if (first.ok) {
      first.leave();
      first.leave();
    }
    expect(gate.inFlight).toBe(1);
  });
});

describe("tRPC call count", () => {
  it.each<[string, boolean, number]>([
    ["capacity.headroom", false, 1],
    ["capacity.headroom", true, 1],
    ["a,b,c", true, 3],
    ["a,b,c", false, 1],
  ])("%s (batch %s) is %i call(s)", (path, batch, calls) => {
    expect(countTrpcCalls(path, batch)).toBe(calls);
  });
});
