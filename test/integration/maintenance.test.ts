/**
 * The maintenance job the Worker's cron trigger runs: snapshot-log retention and staleness
 * transitions, on the normal harness (PGlite, or PostgreSQL with TEST_DATABASE_URL).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import type { ServiceContext } from "../../src/services/context.js";
import { runMaintenance } from "../../src/services/maintenance.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

const DAY = 86_400_000;
const START = Date.parse("2026-10-01T00:00:00Z");
const STALE_AFTER = 600;

/** The server clock of ingest (received_at, last_seen_at) and of the maintenance run. */
let clock = START;
const at = (ms: number) => new Date(ms);

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => at(clock), staleAfterSeconds: STALE_AFTER });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.reset();
  clock = START;
});

const maintenanceContext = (): ServiceContext => ({
  db: h.database.db,
  config: { staleAfterSeconds: STALE_AFTER, maxClockSkewSeconds: 300 },
  now: () => at(clock),
});

/** One push of `cluster` whose content differs per call (a pod per day), received at `receivedAt`. */
async function push(token: string, cluster: string, receivedAt: number, observedAt = receivedAt) {
  clock = receivedAt;
  const pods = [hostNetworkPod("monitoring", `exporter-${observedAt}`, "worker-1", [9100])];
  const res = await h.push(token, snapshot(cluster, at(observedAt).toISOString(), [node("worker-1")], pods));
  expect(res.status).toBe(200);
  return (await res.json()) as { snapshotId: number };
}

async function snapshotIds(): Promise<number[]> {
  const rows = await rawRows<{ id: number | string }>(
    h.database.db,
    sql`SELECT id FROM snapshots ORDER BY id`,
  );
  return rows.map((r) => Number(r.id));
}

describe("snapshot log retention", () => {
  it("prunes rows received before the retention and keeps every cluster's last snapshot", async () => {
    const a = await h.register("prod-a");
    const b = await h.register("prod-b");
    const a0 = await push(a, "prod-a", START);
    const b0 = await push(b, "prod-b", START + 1000); // b's only push: old, but its last
    const a10 = await push(a, "prod-a", START + 10 * DAY);
    const a20 = await push(a, "prod-a", START + 20 * DAY);
    const a40 = await push(a, "prod-a", START + 40 * DAY);
    expect(a0.snapshotId).toBeLessThan(a10.snapshotId);

    clock = START + 45 * DAY; // cutoff: day 15
    const report = await runMaintenance(maintenanceContext(), { retentionDays: 30, intervalSeconds: 900 });

    expect(report).toMatchObject({
      prunedSnapshots: 2,
      pruneIncomplete: false,
      pruneCutoff: at(START + 15 * DAY).toISOString(),
    });
    expect(await snapshotIds()).toEqual([b0.snapshotId, a20.snapshotId, a40.snapshotId]);
  });

  it("keeps a removed cluster's last snapshot too", async () => {
    const token = await h.register("retired");
    await push(token, "retired", START);
    const last = await push(token, "retired", START + DAY);
    expect((await h.mutate("clusters.remove", { name: "retired" })).ok).toBe(true);

    clock = START + 400 * DAY;
    await runMaintenance(maintenanceContext(), { retentionDays: 30, intervalSeconds: 900 });

    expect(await snapshotIds()).toEqual([last.snapshotId]);
  });

  it("still answers the retransmission of the last snapshot with its id after pruning", async () => {
    const token = await h.register("prod-a");
    await push(token, "prod-a", START);
    const observedAt = START + DAY;
    const last = await push(token, "prod-a", observedAt);
    clock = START + 90 * DAY;
    await runMaintenance(maintenanceContext(), { retentionDays: 30, intervalSeconds: 900 });

    const pods = [hostNetworkPod("monitoring", `exporter-${observedAt}`, "worker-1", [9100])];
    const again = await h.push(
      token,
      snapshot("prod-a", at(observedAt).toISOString(), [node("worker-1")], pods),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ changed: false, opened: 0, closed: 0, snapshotId: last.snapshotId });
  });

  it("counts retention from arrival, so a backfilled old history is kept for the whole period", async () => {
    const token = await h.register("backfill");
    clock = START + 100 * DAY;
    const old = await push(token, "backfill", START + 100 * DAY, START); // observed 100 days earlier
    await push(token, "backfill", START + 100 * DAY + 1000, START + DAY);
    const report = await runMaintenance(maintenanceContext(), { retentionDays: 30, intervalSeconds: 900 });
    expect(report.prunedSnapshots).toBe(0);
    expect(await snapshotIds()).toContain(old.snapshotId);
  });

  it("stops after maxBatches and says more is due; the next run finishes", async () => {
    const token = await h.register("prod-a");
    for (let day = 0; day < 4; day++) await push(token, "prod-a", START + day * DAY);
    clock = START + 100 * DAY;
    const options = { retentionDays: 30, intervalSeconds: 900, batchSize: 2, maxBatches: 1 };

    const first = await runMaintenance(maintenanceContext(), options);
    expect(first).toMatchObject({ prunedSnapshots: 2, pruneIncomplete: true });
    const second = await runMaintenance(maintenanceContext(), options);
    expect(second).toMatchObject({ prunedSnapshots: 1, pruneIncomplete: false });
    expect(await snapshotIds()).toHaveLength(1);
  });
});

describe("staleness report", () => {
  async function registeredAt(name: string, createdAt: number) {
    await h.register(name);
    await h.database.db.execute(
      sql`UPDATE clusters SET created_at = ${at(createdAt).toISOString()} WHERE name = ${name}`,
    );
  }

  it("lists stale clusters and names those that became stale within the last interval once", async () => {
    const now = START + 10 * DAY;
    await push(await h.register("fresh"), "fresh", now - 10_000);
    await push(await h.register("just-stale"), "just-stale", now - (STALE_AFTER + 100) * 1000);
    await push(await h.register("long-stale"), "long-stale", now - (STALE_AFTER + 2000) * 1000);
    await registeredAt("never-pushed-new", now - 5 * 60_000); // still within its first threshold
    await registeredAt("never-pushed-old", now - 20 * 60_000); // threshold crossed 10 min ago
    await push(await h.register("removed"), "removed", START);
    expect((await h.mutate("clusters.remove", { name: "removed" })).ok).toBe(true);

    clock = now;
    const report = await runMaintenance(maintenanceContext(), { retentionDays: 30, intervalSeconds: 900 });

    // "never-pushed-new" has had less than the threshold since its registration: not stale yet.
    expect(report.stale.map((c) => c.name)).toEqual(["just-stale", "long-stale", "never-pushed-old"]);
    expect(report.stale[0]).toEqual({
      name: "just-stale",
      lastSeenAt: at(now - (STALE_AFTER + 100) * 1000).toISOString(),
      silentSeconds: STALE_AFTER + 100,
    });
    expect(report.stale.find((c) => c.name === "never-pushed-old")?.lastSeenAt).toBeNull();
    expect(report.newlyStale).toEqual(["just-stale", "never-pushed-old"]);

    // One interval later: those already reported are not reported again; "fresh" and
    // "never-pushed-new" crossed their threshold during that interval.
    clock = now + 900_000;
    const next = await runMaintenance(maintenanceContext(), { retentionDays: 30, intervalSeconds: 900 });
    expect(next.stale).toHaveLength(5);
    expect(next.newlyStale).toEqual(["fresh", "never-pushed-new"]);
  });
});
