import { describe, expect, it } from "vitest";
import { AbortScope } from "../../agents/src/util/abort.js";

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener("abort", () => resolve(signal.reason)));

describe("an abort scope", () => {
  it("aborts with a TimeoutError when its deadline passes", async () => {
    const scope = new AbortScope([], 20);
    expect(await aborted(scope.signal)).toMatchObject({ name: "TimeoutError" });
  });

  it("follows a parent's abort, with the parent's reason", async () => {
    const parent = new AbortController();
    const scope = new AbortScope([undefined, parent.signal], 60_000);
    const reason = aborted(scope.signal);
    parent.abort("stopping");
    expect(await reason).toBe("stopping");
  });

  it("starts aborted under an aborted parent", () => {
    expect(new AbortScope([AbortSignal.abort("gone")]).signal.reason).toBe("gone");
  });

  it("once disposed, neither its deadline nor its parents abort it", async () => {
    const parent = new AbortController();
    const scope = new AbortScope([parent.signal], 10);
    scope.dispose();
    parent.abort();
    await aborted(new AbortScope([], 30).signal); // past the disposed scope's 10 ms
    expect(scope.signal.aborted).toBe(false);
  });
});
