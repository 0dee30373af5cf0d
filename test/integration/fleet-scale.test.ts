import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";

/** More clusters than PostgreSQL takes bind parameters in one statement (65,535). */
const FLEET = 71_000;

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  const token = await h.register("aaa-pushed");
  const pods = [hostNetworkPod("monitoring", "node-exporter-a", "worker-1", [9100])];
  const res = await h.push(token, snapshot("aaa-pushed", "2026-11-27T10:00:00Z", [node("worker-1")], pods));
  expect(res.status).toBe(200);
  await h.database.db.execute(
    // Heard from just now, as pushing clusters are: one that never pushed is left out of plans.
    sql`INSERT INTO clusters (name, labels, last_seen_at)
        SELECT 'c-' || lpad(i::text, 6, '0'), '{"env":"prod"}'::jsonb, now() FROM generate_series(1, ${FLEET}) i`,
  );
}, 120_000);
afterAll(() => h.close());

describe(`a fleet of ${FLEET.toLocaleString("en")} clusters`, () => {
  it("answers fleet-wide ports.who", async () => {
    const answer = await h.query("ports.who", { hostPort: 9100 });
    expect(answer.status).toBe(200);
    expect(answer.ok && answer.data.summary).toMatchObject({
      total: 1,
      byCluster: [{ cluster: "aaa-pushed" }],
    });
  });

  it("answers fleet-wide capacity.freeRanges, and by label selector", async () => {
    const fleetWide = await h.query("capacity.freeRanges", {
      width: 1,
      min: 9100,
      limit: 1,
    });
    expect(fleetWide.status).toBe(200);
    expect(fleetWide.ok && fleetWide.data.ranges[0]?.from).toBe(9101);
    expect(fleetWide.ok && fleetWide.data.clusters.length).toBe(FLEET + 1);
    const prod = await h.query("capacity.freeRanges", {
      width: 1,
      min: 9100,
      limit: 1,
      labelSelector: { env: "prod" },
    });
    expect(prod.ok && prod.data.ranges[0]?.from).toBe(9100);
  });

  it("pages clusters.list: bounded pages whose cursor walks every cluster once, in name order", async () => {
    const first = await h.query("clusters.list");
    expect(first.ok && first.data.clusters.length).toBe(200);
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof h.query<"clusters.list">>> = await h.query("clusters.list", {
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      if (!page.ok) throw new Error(page.error.message);
      expect(page.data.clusters.length).toBeLessThanOrEqual(1000);
      names.push(...page.data.clusters.map((c) => c.name));
      cursor = page.data.nextCursor;
    } while (cursor);
    expect(names.length).toBe(FLEET + 1);
    expect(new Set(names).size).toBe(FLEET + 1);
    expect(names).toEqual([...names].sort());
    const tooLarge = await h.query("clusters.list", { limit: 1001 });
    expect(tooLarge.status).toBe(400);
  });

  it("filters clusters.list by label selector", async () => {
    const answer = await h.query("clusters.list", {
      labelSelector: { env: "none" },
    });
    expect(answer.ok && answer.data.clusters).toEqual([]);
  });
});
