import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createHarness, type Harness } from "../helpers/app.js";
import { bearer, DEFAULT_LIMITS, readToken, refusal, seedFleet } from "../helpers/limits.js";

/**
 * Expensive services wait on a latch the test opens, so every admitted call is provably still
 * running when the others arrive: the counts below do not depend on timing.
 */
const latch = vi.hoisted(() => {
  const state = { entered: 0, open: () => {}, opened: Promise.resolve() };
  const reset = () => {
    state.entered = 0;
    state.opened = new Promise<void>((resolve) => {
      state.open = resolve;
    });
  };
  const held =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      state.entered++;
      await state.opened;
      return run(...args);
    };
  return { state, reset, held };
});

vi.mock("../../src/services/capacity/headroom.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/services/capacity/headroom.js")>();
  return { ...original, headroom: latch.held(original.headroom) };
});

vi.mock("../../src/services/capacity/conflicts.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/services/capacity/conflicts.js")>();
  return { ...original, hostPortConflicts: latch.held(original.hostPortConflicts) };
});

/** Fires the calls, waits until each is either refused or held at the latch, then lets them finish. */
async function storm(
  requests: Array<() => Promise<Response> | Response>,
  whileHeld: () => Promise<void> = async () => {},
) {
  let settled = 0;
  const answers = requests.map((send) => Promise.resolve(send()).finally(() => settled++));
  await vi.waitFor(() => expect(settled + latch.state.entered).toBe(requests.length), { timeout: 10_000 });
  const admitted = latch.state.entered;
  await whileHeld();
  latch.state.open();
  const done = await Promise.all(answers);
  const refused = await Promise.all(done.filter((r) => r.status !== 200).map(refusal));
  return { admitted, served: done.length - refused.length, refused };
}

describe("concurrency of expensive calls", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ limits: DEFAULT_LIMITS });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    latch.state.open();
    await h.reset();
    await seedFleet(h);
    latch.reset();
  });

  it("refuses one token's expensive calls beyond its share with 429 and Retry-After, and keeps serving cheap calls", async () => {
    const token = await readToken(h, "dashboard");
    const calls = Array.from(
      { length: 30 },
      () => () => h.app.request("/trpc/capacity.headroom?input=%7B%7D", { headers: bearer(token) }),
    );
    const cheap: number[] = [];
    const result = await storm(calls, async () => {
      const who = `/trpc/ports.who?input=${encodeURIComponent('{"hostPort":9100}')}`;
      for (const res of [
        await h.app.request("/healthz"),
        await h.app.request(who, { headers: bearer(token) }),
      ])
        cheap.push(res.status);
    });
    expect(cheap).toEqual([200, 200]);
    expect(result.admitted).toBe(DEFAULT_LIMITS.expensive.perPrincipal);
    expect(result.served).toBe(DEFAULT_LIMITS.expensive.perPrincipal);
    expect(result.refused).toHaveLength(30 - DEFAULT_LIMITS.expensive.perPrincipal);
    for (const r of result.refused)
      expect(r).toEqual({ status: 429, reason: "CONCURRENCY_LIMITED", retryAfter: "1" });
  });

  it("refuses expensive calls beyond the process-wide limit with 503 SERVER_BUSY, whoever sends them", async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => readToken(h, `reader-${i}`)));
    const calls = Array.from(
      { length: 30 },
      (_, i) => () =>
        h.app.request("/trpc/conflicts.list?input=%7B%7D", { headers: bearer(tokens[i % 10] as string) }),
    );
    const result = await storm(calls);
    expect(result.admitted).toBe(DEFAULT_LIMITS.expensive.total);
    expect(
      result.refused.some((r) => r.status === 503 && r.reason === "SERVER_BUSY" && r.retryAfter === "1"),
    ).toBe(true);
  });

  it("frees a slot when a call finishes, so the same token is served again", async () => {
    const token = await readToken(h, "again");
    latch.state.open();
    for (let i = 0; i < 5; i++)
      expect(
        (await h.app.request("/trpc/capacity.headroom?input=%7B%7D", { headers: bearer(token) })).status,
      ).toBe(200);
  });
});
