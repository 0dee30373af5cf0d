import { describe, expect, it } from "vitest";
import { replayClock } from "../../../src/demo/replay-clock.js";

describe("the demo's replay clock", () => {
  it("starts at the history's start, follows each push's observedAt, then runs on the wall clock", async () => {
    const clock = replayClock(new Date("2026-10-30T00:00:00Z"));
    expect(clock.now().toISOString()).toBe("2026-10-30T00:00:00.000Z");
    const seen: string[] = [];
    const target = clock.following(async () => {
      seen.push(clock.now().toISOString());
      return new Response("{}");
    });
    await target("/v1/snapshots", {
      method: "POST",
      body: JSON.stringify({ observedAt: "2026-11-28T12:00:00Z" }),
    });
    // other calls leave the clock where the last push put it
    await target("/trpc/clusters.register", { method: "POST", body: JSON.stringify({ name: "a" }) });
    expect(seen).toEqual(["2026-11-28T12:00:00.000Z", "2026-11-28T12:00:00.000Z"]);
    clock.release();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(60_000);
  });
});
