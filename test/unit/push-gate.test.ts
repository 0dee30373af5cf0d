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

/** A gate whose process-wide slots never bind: these tests are about one cluster's turns. */
const perCluster = (waitingPerCluster: number) =>
  new PushGate({ waitingPerCluster, concurrent: 100, queued: 100 });

describe("PushGate", () => {
  it("runs one cluster's pushes one at a time, in arrival order", async () => {
    const gate = perCluster(2);
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
    const gate = perCluster(1);
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
    const gate = perCluster(0);
    const busy = controllable([], "busy");
    const first = gate.run(1, "one", busy.work);
    expect(await gate.run(2, "two", async () => "other cluster")).toBe("other cluster");
    busy.finish();
    await first;
  });

  it("hands the turn on when a push fails", async () => {
    const gate = perCluster(2);
    const failing = gate.run(1, "one", async () => {
      throw new Error("database refused");
    });
    const next = gate.run(1, "one", async () => "next");
    await expect(failing).rejects.toThrow("database refused");
    expect(await next).toBe("next");
  });

  it("runs at most `concurrent` pushes of all clusters at once, the next ones in arrival order", async () => {
    const gate = new PushGate({ waitingPerCluster: 2, concurrent: 2, queued: 2 });
    const log: string[] = [];
    const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => controllable(log, n));
    const runs = [a, b, c, d].map((x, i) => gate.run(i, `c${i}`, x?.work ?? (async () => "")));
    await tick();
    expect(log).toEqual(["start a", "start b"]);
    b?.finish();
    await tick();
    expect(log).toEqual(["start a", "start b", "end b", "start c"]);
    a?.finish();
    c?.finish();
    d?.finish();
    expect(await Promise.all(runs)).toEqual(["a", "b", "c", "d"]);
  });

  it("refuses a push beyond the process-wide queue with 503 SERVER_BUSY and Retry-After", async () => {
    const gate = new PushGate({ waitingPerCluster: 2, concurrent: 1, queued: 1 });
    const running = controllable([], "running");
    const first = gate.run(1, "one", running.work);
    const queued = gate.run(2, "two", async () => "queued");
    const refused = await gate.run(3, "three", async () => "refused").catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: "UNAVAILABLE", code: "SERVER_BUSY", retryAfterSeconds: 1 });
    running.finish();
    expect(await Promise.all([first, queued])).toEqual(["running", "queued"]);
  });

  it("holds no process-wide slot while a push waits for its own cluster's turn", async () => {
    const gate = new PushGate({ waitingPerCluster: 2, concurrent: 1, queued: 0 });
    const running = controllable([], "running");
    const first = gate.run(1, "one", running.work);
    // Waits behind push one of its cluster, outside the single slot: it is not refused as busy.
    const sameCluster = gate.run(1, "one", async () => "same cluster");
    await tick();
    running.finish();
    expect(await Promise.all([first, sameCluster])).toEqual(["running", "same cluster"]);
  });
});

describe("PushGate.refusalNow", () => {
  it("names the refusal a push would get, so it can be answered before its body is read", async () => {
    const gate = new PushGate({ waitingPerCluster: 0, concurrent: 1, queued: 0 });
    expect(gate.refusalNow(1, "one")).toBeUndefined();
    const running = controllable([], "running");
    const first = gate.run(1, "one", running.work);
    expect(gate.refusalNow(1, "one")).toMatchObject({ code: "PUSH_IN_PROGRESS" });
    expect(gate.refusalNow(2, "two")).toMatchObject({ code: "SERVER_BUSY" });
    running.finish();
    await first;
    expect(gate.refusalNow(2, "two")).toBeUndefined();
  });
});
