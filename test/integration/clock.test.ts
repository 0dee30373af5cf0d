import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import { historyTables, openKeyColumns, tableName } from "../../src/services/history-tables.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

const NOW = new Date("2026-11-27T12:00:00.000Z");
const T1 = "2026-11-27T10:00:00.000Z";
const T2 = "2026-11-27T11:00:00.000Z";
const T3 = "2026-11-27T11:30:00.000Z";
const FAR_FUTURE = "9999-12-31T23:59:59.000Z";

let h: Harness;
/** The server clock; a test moves it to let a future push in, as a server without the check did. */
let clock = NOW;
beforeAll(async () => {
  h = await createHarness({ now: () => clock });
});
afterAll(() => h.close());
beforeEach(async () => {
  clock = NOW;
  await h.reset();
});

const exporter = (port: number) =>
  hostNetworkPod("monitoring", "node-exporter-a", "worker-1", [port], {
    kind: "DaemonSet",
    name: "node-exporter",
  });
const router = (nodeName: string) =>
  hostNetworkPod("ingress", "router", nodeName, [80], { kind: "Deployment", name: "router" });
const nodes = [node("worker-1"), node("worker-2")];
const atT1 = snapshot("prod-eu-1", T1, nodes, [exporter(9100), router("worker-1")]);
const atT2 = snapshot("prod-eu-1", T2, nodes, [exporter(9100), router("worker-2")]);
/** Changes every table: a node added, the router gone, the exporter's port moved. */
const poisoned = snapshot("prod-eu-1", FAR_FUTURE, [...nodes, node("worker-3")], [exporter(9200)]);

async function pushStatus(token: string, body: unknown) {
  const res = await h.push(token, body);
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

/** A cluster frozen the way it was before the check: a push from year 9999 accepted. */
async function poisonedCluster(): Promise<string> {
  const token = await h.register("prod-eu-1");
  expect((await pushStatus(token, atT1)).status).toBe(200);
  expect((await pushStatus(token, atT2)).status).toBe(200);
  clock = new Date(FAR_FUTURE);
  expect((await pushStatus(token, poisoned)).status).toBe(200);
  clock = NOW;
  expect((await pushStatus(token, { ...atT2, observedAt: T3 })).body.error?.code).toBe("STALE_SNAPSHOT");
  return token;
}

/** Natural keys open twice, over every history table (its declared key). */
async function doubleOpenKeys(): Promise<number> {
  const parts = historyTables.map(
    (t) =>
      `(SELECT count(*) FROM (SELECT 1 FROM ${tableName(t)} WHERE valid_to IS NULL
         GROUP BY ${openKeyColumns(t).join(", ")} HAVING count(*) > 1) ${tableName(t)})`,
  );
  const [row] = await rawRows<{ n: number }>(
    h.database.db,
    sql.raw(`SELECT (${parts.join(" + ")})::int AS n`),
  );
  return row?.n ?? -1;
}

async function holdersOf(port: number) {
  const answer = await h.query("ports.who", {
    hostPort: port,
  });
  if (!answer.ok) throw new Error(answer.error.message);
  // The summary's projections are rolled back with the history.
  expect(answer.data.summary?.total).toBe(answer.data.allocations.length);
  expect(answer.data.summary?.byCluster.map((c) => c.nodes)).toEqual(
    answer.data.allocations.length > 0 ? [new Set(answer.data.allocations.map((a) => a.node)).size] : [],
  );
  return answer.data.allocations.map((a) => `${a.pod}@${a.node}`);
}

describe("observedAt ahead of the server clock", () => {
  it("refuses year 9999 with 400 OBSERVED_AT_IN_FUTURE, writes nothing, and later pushes still land", async () => {
    const token = await h.register("prod-eu-1");
    const refused = await pushStatus(token, poisoned);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe("OBSERVED_AT_IN_FUTURE");
    expect(refused.body.error?.message).toContain(NOW.toISOString());
    expect(refused.body.error?.message).toContain("300s");
    const [written] = await rawRows<{ n: number }>(
      h.database.db,
      sql`SELECT ((SELECT count(*) FROM snapshots) + (SELECT count(*) FROM node_versions))::int AS n`,
    );
    expect(written?.n).toBe(0);
    expect((await pushStatus(token, atT1)).status).toBe(200);
  });

  it("accepts an agent clock up to the allowed skew ahead and refuses one second more", async () => {
    const token = await h.register("prod-eu-1");
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
    expect((await pushStatus(token, { ...atT1, observedAt: at(301) })).status).toBe(400);
    expect((await pushStatus(token, { ...atT1, observedAt: at(300) })).status).toBe(200);
  });

  it("takes the allowed skew from configuration", async () => {
    const strict = await createHarness({ now: () => NOW, maxClockSkewSeconds: 0 });
    try {
      const token = await strict.register("prod-eu-1");
      const oneSecondAhead = new Date(NOW.getTime() + 1000).toISOString();
      const res = await strict.push(token, { ...atT1, observedAt: oneSecondAhead });
      expect(res.status).toBe(400);
      expect((await strict.push(token, { ...atT1, observedAt: NOW.toISOString() })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe("clusters.resetClock", () => {
  it("rolls a poisoned cluster back to now: future versions deleted, closed ones reopened, pushes land again", async () => {
    const token = await poisonedCluster();
    const reset = await h.mutate("clusters.resetClock", { name: "prod-eu-1" });
    expect(reset.ok && reset.data).toMatchObject({
      to: NOW.toISOString(),
      // worker-3, the exporter's new pod version and its 9200 allocation, and the headroom rows
      deleted: { nodes: 1, pods: 1, allocations: 1 },
      // the exporter (9100) and the router on worker-2, as they were at T2
      reopened: { nodes: 0, pods: 2, allocations: 2 },
      snapshotsRemoved: 1,
      lastObservedAt: T2,
    });
    expect(await doubleOpenKeys()).toBe(0);
    expect(await holdersOf(80)).toEqual(["router@worker-2"]);
    expect(await holdersOf(9100)).toEqual(["node-exporter-a@worker-1"]);
    expect(await holdersOf(9200)).toEqual([]);

    const next = await pushStatus(token, { ...atT2, observedAt: T3, pods: [exporter(9100)] });
    expect(next.status).toBe(200);
    expect(await holdersOf(80)).toEqual([]);
    const list = await h.query("clusters.list");
    expect(list.ok && list.data.clusters[0]?.lastObservedAt).toBe(T3);
  });

  it("rolls back to a given instant: the history as of then becomes the current view", async () => {
    await poisonedCluster();
    const between = "2026-11-27T10:30:00.000Z";
    const reset = await h.mutate("clusters.resetClock", {
      name: "prod-eu-1",
      to: between,
    });
    expect(reset.ok && reset.data.lastObservedAt).toBe(T1);
    expect(await doubleOpenKeys()).toBe(0);
    expect(await holdersOf(80)).toEqual(["router@worker-1"]);
  });

  it("refuses an instant after the server's time with RESET_IN_FUTURE, and is admin-only", async () => {
    await h.register("prod-eu-1");
    const future = await h.mutate("clusters.resetClock", { name: "prod-eu-1", to: FAR_FUTURE });
    expect(future.ok || future.error.data.reason).toBe("RESET_IN_FUTURE");
    const anonymous = await h.mutate("clusters.resetClock", { name: "prod-eu-1" }, null);
    expect(anonymous.status).toBe(401);
  });

  it("re-registering a removed poisoned cluster does not inherit the poisoned clock", async () => {
    await poisonedCluster();
    expect((await h.mutate("clusters.remove", { name: "prod-eu-1" })).ok).toBe(true);
    const token = await h.register("prod-eu-1");
    expect((await pushStatus(token, { ...atT2, observedAt: T3 })).status).toBe(200);
    expect(await doubleOpenKeys()).toBe(0);
  });
});

describe("the agent's clock skew", () => {
  it("is reported in clusters.list and /metrics as observedAt minus the server's time at receipt", async () => {
    const token = await h.register("prod-eu-1");
    const behind = new Date(NOW.getTime() - 30_000).toISOString();
    expect((await pushStatus(token, { ...atT1, observedAt: behind })).status).toBe(200);
    const list = await h.query("clusters.list");
    expect(list.ok && list.data.clusters[0]?.clockSkewSeconds).toBe(-30);
    const metrics = await (await h.app.request("/metrics", { headers: h.admin })).text();
    expect(metrics).toContain('portolan_cluster_clock_skew_seconds{cluster="prod-eu-1"} -30');
  });
});
