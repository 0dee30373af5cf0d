import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../helpers/app.js";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.register("odd-cluster");
  // One pod declaring host ports 1–60,000 except 20000–20002, written straight to the history
  // (the contract's own bounds are not what this test is about).
  await h.database.db.execute(
    sql`INSERT INTO port_allocations (cluster_id, node, namespace, pod, container, container_port, protocol,
          host_ip, host_port, host_network, fp, valid_from)
        SELECT c.id, 'worker-1', 'odd', 'many-ports', 'main', p, 'TCP', '', p, true, 'fp-' || p,
               '2026-11-27T10:00:00Z'
        FROM clusters c, generate_series(1, 60000) p
        WHERE c.name = 'odd-cluster' AND p NOT BETWEEN 20000 AND 20002`,
  );
  // As if it had pushed: a cluster that never pushed is left out of plans.
  await h.database.db.execute(sql`UPDATE clusters SET last_seen_at = now() WHERE name = 'odd-cluster'`);
}, 120_000);
afterAll(() => h.close());

describe("capacity.freeRanges with one pod holding 60,000 host ports", () => {
  it("finds the gaps the pod leaves", async () => {
    const answer = await h.query("capacity.freeRanges", { width: 3, protocol: "TCP" });
    expect(answer.status).toBe(200);
    // 30000–60999 are Kubernetes' and Linux's own ranges; past them 61000–65535 is free.
    expect(answer.ok && answer.data.ranges).toEqual([
      { from: 20000, to: 20002, width: 3, freeUntil: 20002 },
      { from: 61000, to: 61002, width: 3, freeUntil: 65535 },
    ]);
  });
});
