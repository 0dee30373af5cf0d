import { describe, expect, it } from "vitest";
import { ServiceError } from "../../src/services/errors.js";
import { PushGate } from "../../src/services/push-gate.js";

/** A piece of work that runs until the test lets it finish. */
function controllable(log: string[], name: string) {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const work = async () => {
    log.push(`start ${name}`);
    await finished;
    log.push(`end ${name}`);
    return name;
  };
  return { work, finish };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("PushGate", () => {
  it("runs one cluster's pushes one at a time, in arrival order", async () => {
    const gate = new PushGate(2);
    const log: string[] = [];
    const [a, b, c] = ["a", "b", "c"].map((n) => controllable(log, n));
    const runs = [a, b, c].map((x) => gate.run(1, "one", x?.work ?? (async () => "")));
    await tick();
    expect(log).toEqual(["start a"]);
    c?.finish();
    b?.finish();
    a?.finish();
    expect(await Promise.all(runs)).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("refuses a push beyond the allowed waiters with 429 PUSH_IN_PROGRESS and Retry-After", async () => {
    const gate = new PushGate(1);
    const log: string[] = [];
    const running = controllable(log, "running");
    const first = gate.run(1, "one", running.work);
    const waiting = gate.run(1, "one", async () => "waiting");
    const refused = await gate.run(1, "one", async () => "refused").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServiceError);
    expect(refused).toMatchObject({
      kind: "TOO_MANY_REQUESTS",
      code: "PUSH_IN_PROGRESS",
      retryAfterSeconds: 1,
    });
    running.finish();
    expect(await Promise.all([first, waiting])).toEqual(["running", "waiting"]);
    expect(await gate.run(1, "one", async () => "later")).toBe("later");
  });

  it("does not make other clusters wait", async () => {
    const gate = new PushGate(0);
    const busy = controllable([], "busy");
    const first = gate.run(1, "one", busy.work);
    expect(await gate.run(2, "two", async () => "other cluster")).toBe("other cluster");
    busy.finish();
    await first;
  });

  it("hands the turn on when a push fails", async () => {
    const gate = new PushGate(2);
    const failing = gate.run(1, "one", async () => {
      throw new Error("database refused");
    });
    const next = gate.run(1, "one", async () => "next");
    await expect(failing).rejects.toThrow("database refused");
    expect(await next).toBe("next");
  });
});
