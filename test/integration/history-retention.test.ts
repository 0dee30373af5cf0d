/**
 * History retention (PORTOLAN_RETENTION_DAYS): maintenance prunes versions closed before the oldest
 * instant kept from every history table, in batches, and nothing else; every read at or after that
 * instant answers exactly as before; a read before it answers AS_OF_BEYOND_RETENTION. On the normal
 * harness (PGlite, or PostgreSQL with TEST_DATABASE_URL).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import type { ServiceContext } from "../../src/services/context.js";
import { historyTables, tableName } from "../../src/services/history-tables.js";
import { runMaintenance } from "../../src/services/maintenance.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, dataOf, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";

const DAY = 86_400_000;
const START = Date.parse("2026-01-01T00:00:00Z");
const RETENTION_DAYS = 10;
const DAYS_PUSHED = 20;
const NOW = START + DAYS_PUSHED * DAY;
const CUTOFF = NOW - RETENTION_DAYS * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

let clock = START;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => new Date(clock), historyRetentionDays: RETENTION_DAYS });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.reset();
  clock = START;
});

const maintenanceContext = (): ServiceContext => ({
  db: h.database.db,
  config: { staleAfterSeconds: 600, maxClockSkewSeconds: 300, historyRetentionDays: RETENTION_DAYS },
  now: () => new Date(clock),
});

/**
 * Three weeks of daily pushes: a node and a DaemonSet's pod that never change (open since day 0), a
 * router pod renamed and moved to another port every day (a version of pods, allocations and every
 * projection closed per day), and a node drained for the second half of every week.
 */
async function seedHistory(cluster: string) {
  const token = await h.register(cluster);
  for (let day = 0; day <= DAYS_PUSHED; day++) {
    clock = START + day * DAY;
    const nodes = [node("worker-1"), node("worker-2"), ...(day % 7 < 4 ? [node("worker-3")] : [])];
    const pods = [
      hostNetworkPod("monitoring", "exporter-a", "worker-1", [9100], { kind: "DaemonSet", name: "exporter" }),
      hostNetworkPod("ingress", `router-${day}`, "worker-2", [10_000 + (day % 5)], {
        kind: "ReplicaSet",
        name: "router-7f9c",
      }),
    ];
    const res = await h.push(token, snapshot(cluster, iso(clock), nodes, pods));
    expect(res.status).toBe(200);
  }
}

async function counts() {
  const out: Record<string, { open: number; closedBefore: number; all: number }> = {};
  for (const t of historyTables) {
    const [row] = await rawRows<{ open: number; closed_before: number; all: number }>(
      h.database.db,
      sql`SELECT count(*) FILTER (WHERE valid_to IS NULL)::int AS open,
                 count(*) FILTER (WHERE valid_to < ${iso(CUTOFF)}::timestamptz)::int AS closed_before,
                 count(*)::int AS all
          FROM ${sql.raw(tableName(t))}`,
    );
    out[t.name] = { open: row?.open ?? 0, closedBefore: row?.closed_before ?? 0, all: row?.all ?? 0 };
  }
  return out;
}

/** Reads at the oldest instant kept and after it, across the readers of each history table. */
async function readsSinceCutoff() {
  const answers: Record<string, unknown> = {};
  for (const asOf of [iso(CUTOFF), iso(CUTOFF + 3.5 * DAY), iso(NOW - DAY)]) {
    answers[`map ${asOf}`] = dataOf(await h.query("ports.map", { cluster: "prod-a", asOf }));
    answers[`who ${asOf}`] = dataOf(await h.query("ports.who", { hostPort: 10_002, asOf }));
    answers[`headroom ${asOf}`] = dataOf(await h.query("capacity.headroom", { asOf }));
    answers[`node ${asOf}`] = dataOf(
      await h.query("ports.node", { cluster: "prod-a", node: "worker-2", asOf }),
    );
  }
  answers.allocations = dataOf(
    await h.query("trends.allocations", { from: iso(CUTOFF), to: iso(NOW), step: "6h" }),
  );
  answers.port = dataOf(
    await h.query("trends.allocations", { from: iso(CUTOFF), to: iso(NOW), step: "1d", hostPort: 10_001 }),
  );
  answers.headroomTrend = dataOf(
    await h.query("trends.headroom", {
      from: iso(CUTOFF),
      to: iso(NOW),
      step: "12h",
      cluster: "prod-a",
      namespace: "ingress",
      kind: "Deployment",
      name: "router",
    }),
  );
  answers.report = dataOf(await h.query("reports.trends", { from: iso(CUTOFF), to: iso(NOW) })).report;
  answers.freeRanges = dataOf(
    await h.query("capacity.freeRanges", { width: 1, min: 10_000, max: 10_010, quietDays: RETENTION_DAYS }),
  );
  return answers;
}

describe("history retention", () => {
  it("prunes only versions closed before the oldest instant kept, in batches, and every read since answers the same", async () => {
    await seedHistory("prod-a");
    clock = NOW;
    const before = await counts();
    const answersBefore = await readsSinceCutoff();
    expect(Object.values(before).some((c) => c.closedBefore > 0)).toBe(true);

    const report = await runMaintenance(maintenanceContext(), {
      retentionDays: 400,
      intervalSeconds: 900,
      history: { retentionDays: RETENTION_DAYS, batchSize: 7, pauseMs: 0 },
    });

    // The answers first: they are what a wrong prune would change for users.
    expect(await readsSinceCutoff()).toEqual(answersBefore);
    const after = await counts();
    expect(report.history).toMatchObject({ cutoff: iso(CUTOFF), incomplete: false });
    // Some table had more than a batch due: it took several statements.
    const tablesWithDue = Object.values(before).filter((c) => c.closedBefore > 0).length;
    expect(report.history?.batches).toBeGreaterThan(tablesWithDue);
    for (const t of historyTables) {
      const was = before[t.name];
      expect({ table: t.name, ...after[t.name] }).toEqual({
        table: t.name,
        open: was?.open,
        closedBefore: 0,
        all: (was?.all ?? 0) - (was?.closedBefore ?? 0),
      });
      expect(report.history?.pruned[t.name]).toBe(was?.closedBefore);
    }
  }, 120_000);

  it("answers AS_OF_BEYOND_RETENTION, naming the oldest instant kept, for any read before it", async () => {
    await seedHistory("prod-a");
    clock = NOW;
    const old = iso(CUTOFF - 1000);
    const refusals = [
      await h.query("ports.map", { cluster: "prod-a", asOf: old }),
      await h.query("ports.mapListeners", {
        cluster: "prod-a",
        ports: [9100],
        nodes: ["worker-1"],
        asOf: old,
      }),
      await h.query("ports.who", { hostPort: 9100, asOf: old }),
      await h.query("ports.freeNodes", { cluster: "prod-a", hostPort: 9100, asOf: old }),
      await h.query("ports.node", { cluster: "prod-a", node: "worker-1", asOf: old }),
      await h.query("capacity.headroom", { asOf: old }),
      await h.query("listeners.matrix", { cluster: "prod-a", asOf: old }),
      await h.query("clusters.ingressControllers", { cluster: "prod-a", asOf: old }),
      await h.query("reports.portMap", { asOf: old }),
      await h.query("trends.allocations", { from: old, to: iso(NOW), step: "1d" }),
      await h.query("trends.headroomSeries", {
        cluster: "prod-a",
        namespace: "monitoring",
        from: old,
        to: iso(NOW),
        step: "1d",
      }),
      await h.query("clusters.list", { asOf: old }),
      await h.query("reports.trends", { from: old }),
      await h.query("capacity.freeRanges", {
        width: 1,
        min: 10_000,
        max: 10_010,
        quietDays: RETENTION_DAYS + 1,
      }),
      await h.mutate("clusters.resetClock", { name: "prod-a", to: old }),
    ];
    for (const [i, answer] of refusals.entries()) {
      const seen = answer.ok
        ? { i, status: answer.status }
        : { i, status: answer.status, reason: answer.error.data.reason, message: answer.error.message };
      expect(seen).toMatchObject({
        i,
        status: 400,
        reason: "AS_OF_BEYOND_RETENTION",
        message: expect.stringContaining(`the oldest instant kept is ${iso(CUTOFF)}`),
      });
    }
  }, 120_000);

  it("stops after maxBatches and says more is due; the next runs finish, and open rows stay", async () => {
    await seedHistory("prod-a");
    clock = NOW;
    const before = await counts();
    const options = {
      retentionDays: 400,
      intervalSeconds: 900,
      history: { retentionDays: RETENTION_DAYS, batchSize: 2, maxBatches: 3, pauseMs: 0 },
    };
    const first = await runMaintenance(maintenanceContext(), options);
    expect(first.history).toMatchObject({ batches: 3, incomplete: true });
    expect(first.history?.total).toBeLessThanOrEqual(6);
    let runs = 1;
    while ((await runMaintenance(maintenanceContext(), options)).history?.incomplete) runs++;
    expect(runs).toBeGreaterThan(1);
    const after = await counts();
    for (const t of historyTables) expect(after[t.name]?.closedBefore).toBe(0);
    for (const t of historyTables) expect(after[t.name]?.open).toBe(before[t.name]?.open);
  }, 120_000);

  it("says so on the dashboard and in the CLI too, with the oldest instant kept", async () => {
    await seedHistory("prod-a");
    clock = NOW;
    const old = iso(CUTOFF - DAY);
    const created = await h.mutate("tokens.createRead", { name: "dashboard" });
    if (!created.ok) throw new Error(created.error.message);
    const page = await h.app.request(`/clusters/prod-a?asOf=${encodeURIComponent(old)}`, {
      headers: { cookie: `portolan_token=${created.data.token}` },
    });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain(`the oldest instant kept is ${iso(CUTOFF)}`);

    const cli = await runCli(
      ["ports", "who", "9100", "--as-of", old, "--url", "http://portolan.test", "--token", h.adminToken],
      {},
      { fetch: async (input, init) => h.app.request(String(input), init) },
    );
    expect(cli.code).not.toBe(0);
    expect(cli.err).toContain("AS_OF_BEYOND_RETENTION");
    expect(cli.err).toContain(`the oldest instant kept is ${iso(CUTOFF)}`);
  }, 120_000);
});
