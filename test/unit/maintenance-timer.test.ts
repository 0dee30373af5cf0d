import { afterEach, describe, expect, it, vi } from "vitest";
import { scheduleMaintenance } from "../../src/entry/maintenance.js";
import type { ServiceContext } from "../../src/services/context.js";

afterEach(() => vi.useRealTimers());

describe("the Node server's maintenance timer", () => {
  it("runs maintenance every interval until stopped, and logs a failure instead of crashing", async () => {
    vi.useFakeTimers();
    const execute = vi.fn(async () => {
      throw new Error("database away");
    });
    // A database whose every call fails: maintenance must survive it.
    const db = new Proxy({}, { get: () => execute }) as unknown as ServiceContext["db"];
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const timer = scheduleMaintenance(
      { db, config: { staleAfterSeconds: 600, maxClockSkewSeconds: 300 }, now: () => new Date() },
      { retentionDays: 30, intervalSeconds: 60 },
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect(errors).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("maintenance failed"));
    timer.stop();
    const calls = errors.mock.calls.length;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(errors.mock.calls.length).toBe(calls);
    errors.mockRestore();
  });
});
