import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LimitSettings } from "../../src/api/limits/request-limits.js";
import { node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { bearer, DEFAULT_LIMITS as DEFAULTS, readToken, refusal, seedFleet } from "../helpers/limits.js";

describe("the work one request can start", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ limits: DEFAULTS });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  it("refuses a GET batch of 40 fleet-wide capacity.headroom calls with 400 BATCH_TOO_LARGE", async () => {
    await seedFleet(h);
    const paths = Array.from({ length: 40 }, () => "capacity.headroom").join(",");
    const input = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [String(i), {}]));
    const res = await h.app.request(
      `/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
      { headers: h.admin },
    );
    expect(await refusal(res)).toEqual({ status: 400, reason: "BATCH_TOO_LARGE", retryAfter: null });
  });

  it("runs none of the calls of an oversized batch", async () => {
    const paths = Array.from({ length: 40 }, () => "clusters.register").join(",");
    const input = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [String(i), { name: `c-${i}` }]));
    const res = await h.app.request(`/trpc/${paths}?batch=1`, {
      method: "POST",
      headers: { ...h.admin, "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    expect(res.status).toBe(400);
    const listed = await h.query("clusters.list");
    expect(listed.ok && listed.data.clusters).toEqual([]);
  });

  it("still serves a batch within the limit", async () => {
    const paths = Array.from({ length: DEFAULTS.maxBatchCalls }, () => "clusters.list").join(",");
    const res = await h.app.request(`/trpc/${paths}?batch=1`, { headers: h.admin });
    expect(res.status).toBe(200);
  });
});

describe("rate limits per principal", () => {
  const limits: LimitSettings = {
    ...DEFAULTS,
    reads: { perSecond: 0.01, burst: 3 },
    pushes: { perSecond: 0.01, burst: 2 },
  };
  // A fresh limiter per test: the admin's setup calls spend the same budget the tests measure.
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ limits });
  });
  afterEach(() => h.close());

  it("answers 429 RATE_LIMITED with Retry-After to a throttled token, and not to another token", async () => {
    // The admin's own budget is spent on creating the tokens; the readers start full.
    const [first, second] = [await readToken(h, "first"), await readToken(h, "second")];
    for (let i = 0; i < 3; i++) expect((await h.query("clusters.list", {}, first)).status).toBe(200);
    const throttled = await h.app.request("/trpc/clusters.list", { headers: bearer(first) });
    const answer = await refusal(throttled);
    expect(answer).toMatchObject({ status: 429, reason: "RATE_LIMITED" });
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    expect((await h.query("clusters.list", {}, second)).status).toBe(200);
  });

  it("counts every call of a batch against the budget", async () => {
    const token = await readToken(h, "batcher");
    expect((await h.query("clusters.list", {}, token)).status).toBe(200);
    const res = await h.app.request("/trpc/clusters.list,clusters.list,clusters.list?batch=1", {
      headers: bearer(token),
    });
    expect(await refusal(res)).toMatchObject({ status: 429, reason: "RATE_LIMITED" });
  });

  it("gives agent pushes their own budget, answered with a REST error body", async () => {
    const token = await h.register("prod-a");
    const push = (second: number) =>
      h.push(token, snapshot("prod-a", `2026-11-27T10:00:0${second}Z`, [node("w-1")], []));
    expect((await push(1)).status).toBe(200);
    expect((await push(2)).status).toBe(200);
    const throttled = await push(3);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).not.toBeNull();
    expect(await throttled.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
  });
});
