import { describe, expect, it } from "vitest";
import { CallGates } from "../../../src/api/limits/gates.js";
import { createRequestLimits } from "../../../src/api/limits/request-limits.js";

const settings = {
  maxBatchCalls: 10,
  reads: { perSecond: 0.001, burst: 12 },
  pushes: { perSecond: 1, burst: 1 },
  expensive: { total: 3, perPrincipal: 1 },
};

const gatesOf = (
  limits: ReturnType<typeof createRequestLimits>,
  key: string,
  shareSlot: boolean,
  calls = 10,
) => new CallGates(limits, async () => key, { calls, shareSlot });

describe("a request's gates", () => {
  it("spends the request's price once, whatever number of calls it makes, and refuses every call once refused", async () => {
    const limits = createRequestLimits(settings);
    const page = gatesOf(limits, "token:a", true);
    for (let i = 0; i < 50; i++) await page.spend();
    const second = gatesOf(limits, "token:a", true);
    await expect(second.spend()).rejects.toMatchObject({ code: "RATE_LIMITED" });
    await expect(second.spend()).rejects.toMatchObject({ code: "RATE_LIMITED" });
  });

  it("lets a page's expensive calls share one slot, given back when the last of them leaves", async () => {
    const limits = createRequestLimits(settings);
    const page = gatesOf(limits, "token:a", true);
    const [first, second] = await Promise.all([page.enterExpensive(), page.enterExpensive()]);
    expect(limits.expensive.inFlight).toBe(1);
    await expect(gatesOf(limits, "token:a", true).enterExpensive()).rejects.toMatchObject({
      code: "CONCURRENCY_LIMITED",
    });
    first();
    first();
    expect(limits.expensive.inFlight).toBe(1);
    second();
    expect(limits.expensive.inFlight).toBe(0);
  });

  it("gives each expensive call of a /trpc request its own slot", async () => {
    const limits = createRequestLimits({ ...settings, expensive: { total: 3, perPrincipal: 2 } });
    const batch = gatesOf(limits, "token:b", false);
    const leaves = [await batch.enterExpensive(), await batch.enterExpensive()];
    await expect(batch.enterExpensive()).rejects.toMatchObject({ code: "CONCURRENCY_LIMITED" });
    for (const leave of leaves) leave();
    expect(limits.expensive.inFlight).toBe(0);
  });

  it("passes everything when no limits are configured", async () => {
    const open = CallGates.open();
    await open.spend();
    const leaves = await Promise.all(Array.from({ length: 100 }, () => open.enterExpensive()));
    for (const leave of leaves) leave();
  });
});
