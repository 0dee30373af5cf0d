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

vi.mock("../../src/services/capacity/free-ranges.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/services/capacity/free-ranges.js")>();
  return { ...original, freePortRanges: latch.held(original.freePortRanges) };
});

/** Fires the calls, waits until each is either refused or held at the latch, then lets them finish. */
async function storm<R = Awaited<ReturnType<typeof refusal>>>(
  requests: Array<() => Promise<Response> | Response>,
  whileHeld: () => Promise<void> = async () => {},
  options: {
    /** expensive calls one admitted request holds at the latch (a cluster page runs two) */
    heldPerRequest?: number;
    /** what a refusal says (a REST or tRPC body by default) */
    read?: (res: Response) => Promise<R>;
  } = {},
) {
  const heldPerRequest = options.heldPerRequest ?? 1;
  const read = options.read ?? (refusal as unknown as (res: Response) => Promise<R>);
  let settled = 0;
  const answers = requests.map((send) => Promise.resolve(send()).finally(() => settled++));
  await vi.waitFor(() => expect(settled + latch.state.entered / heldPerRequest).toBe(requests.length), {
    timeout: 10_000,
  });
  const admitted = latch.state.entered / heldPerRequest;
  await whileHeld();
  latch.state.open();
  const done = await Promise.all(answers);
  const refused = await Promise.all(done.filter((r) => r.status !== 200).map(read));
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

/** What a refused dashboard page says: status, Retry-After, and that it is a page with the reason in words. */
async function pageRefusal(res: Response) {
  const html = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    page:
      (res.headers.get("content-type") ?? "").startsWith("text/html") && html.startsWith("<!doctype html>"),
    message: /too many expensive calls|as many expensive calls as it may/.exec(html)?.[0],
  };
}

describe("every path into an expensive procedure passes the same gate", () => {
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

  const page = (path: string, token: string) => () =>
    h.app.request(path, { headers: { cookie: `portolan_token=${token}` } });

  it("refuses one token's /plan pages beyond its share with a 429 page and Retry-After, as /trpc does", async () => {
    const token = await readToken(h, "planner");
    const pages = Array.from({ length: 12 }, () => page("/plan?width=10", token));
    const result = await storm(pages, undefined, { read: pageRefusal });
    expect(result.admitted).toBe(DEFAULT_LIMITS.expensive.perPrincipal);
    expect(result.served).toBe(DEFAULT_LIMITS.expensive.perPrincipal);
    expect(result.refused).toHaveLength(12 - DEFAULT_LIMITS.expensive.perPrincipal);
    for (const r of result.refused)
      expect(r).toEqual({ status: 429, retryAfter: "1", page: true, message: "too many expensive calls" });
  });

  it("admits a cluster page's expensive calls under one slot, and refuses the token's pages beyond its share", async () => {
    const token = await readToken(h, "viewer");
    const pages = Array.from({ length: 8 }, () => page("/clusters/prod-a", token));
    // An admitted page holds both its capacity.headroom and its conflicts.list at the latch.
    const result = await storm(pages, undefined, { heldPerRequest: 2, read: pageRefusal });
    expect(result.admitted).toBe(DEFAULT_LIMITS.expensive.perPrincipal);
    expect(result.served).toBe(DEFAULT_LIMITS.expensive.perPrincipal);
    expect(result.refused).toHaveLength(8 - DEFAULT_LIMITS.expensive.perPrincipal);
    for (const r of result.refused) expect(r).toMatchObject({ status: 429, retryAfter: "1", page: true });
  });

  it("refuses pages beyond the process-wide limit with a 503 page, whoever opens them", async () => {
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => readToken(h, `team-${i}`)));
    const pages = Array.from({ length: 12 }, (_, i) => page("/plan?width=10", tokens[i % 6] as string));
    const result = await storm(pages, undefined, { read: pageRefusal });
    expect(result.admitted).toBe(DEFAULT_LIMITS.expensive.total);
    expect(result.refused).toContainEqual({
      status: 503,
      retryAfter: "1",
      page: true,
      message: "as many expensive calls as it may",
    });
  });

  it("shares the token's slots between /trpc, dashboard pages and GET /metrics", async () => {
    const token = await readToken(h, "everywhere");
    const held = Array.from({ length: DEFAULT_LIMITS.expensive.perPrincipal }, () =>
      h.app.request("/trpc/capacity.headroom?input=%7B%7D", { headers: bearer(token) }),
    );
    await vi.waitFor(() => expect(latch.state.entered).toBe(DEFAULT_LIMITS.expensive.perPrincipal));
    const plan = await h.app.request("/plan?width=10", { headers: { cookie: `portolan_token=${token}` } });
    expect(await pageRefusal(plan)).toMatchObject({ status: 429, retryAfter: "1", page: true });
    const metrics = await h.app.request("/metrics", { headers: bearer(token) });
    expect(await refusal(metrics)).toEqual({ status: 429, reason: "CONCURRENCY_LIMITED", retryAfter: "1" });
    const conflicts = await h.app.request("/trpc/conflicts.list?input=%7B%7D", { headers: bearer(token) });
    expect(await refusal(conflicts)).toEqual({
      status: 429,
      reason: "CONCURRENCY_LIMITED",
      retryAfter: "1",
    });
    latch.state.open();
    for (const res of await Promise.all(held)) expect(res.status).toBe(200);
    expect((await h.app.request("/metrics", { headers: bearer(token) })).status).toBe(200);
    expect(
      (await h.app.request("/plan?width=10", { headers: { cookie: `portolan_token=${token}` } })).status,
    ).toBe(200);
  });
});
