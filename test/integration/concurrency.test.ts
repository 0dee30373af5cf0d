import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { onRealPostgres } from "../helpers/database.js";

// PGlite has one connection and runs queries one at a time: real concurrency needs the server.
describe.skipIf(!onRealPostgres())("concurrent pushes of one cluster (PostgreSQL)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  const nodes = [node("worker-1"), node("worker-2"), node("worker-3")];
  /** Push i moves router-i's port and keeps node-exporter, so every push changes something. */
  const contents = (i: number) => {
    const observedAt = new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString();
    return snapshot("prod-eu-1", observedAt, nodes, [
      hostNetworkPod("monitoring", "node-exporter-a", "worker-1", [9100], {
        kind: "DaemonSet",
        name: "node-exporter",
      }),
      hostNetworkPod("ingress", "router", `worker-${(i % 3) + 1}`, [20000 + i], {
        kind: "Deployment",
        name: "router",
      }),
    ]);
  };

  it("serialises 20 concurrent pushes into one consistent history", async () => {
    const token = await h.register("prod-eu-1");
    const order = Array.from({ length: 20 }, (_, i) => i).sort(() => Math.random() - 0.5);
    const answers = await Promise.all(
      order.map(async (i) => {
        const res = await h.push(token, contents(i));
        return {
          i,
          status: res.status,
          body: (await res.json()) as { snapshotId?: number; error?: { code: string } },
        };
      }),
    );
    // 429: more pushes of the cluster were queued than the server lets wait; the agent retries them.
    for (const a of answers) {
      expect([200, 409, 429]).toContain(a.status);
      if (a.status === 409) expect(a.body.error?.code).toBe("STALE_SNAPSHOT");
      if (a.status === 429) expect(a.body.error?.code).toBe("PUSH_IN_PROGRESS");
    }
    // The server's acceptance order (snapshot ids) must be the order of observedAt.
    const accepted = answers
      .filter((a) => a.status === 200)
      .sort((x, y) => (x.body.snapshotId ?? 0) - (y.body.snapshotId ?? 0));
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.map((a) => a.i)).toEqual([...accepted.map((a) => a.i)].sort((x, y) => x - y));

    const doubleOpen = await rawRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM (
            SELECT 1 FROM port_allocations WHERE valid_to IS NULL
            GROUP BY cluster_id, namespace, pod, container, protocol, host_ip, host_port HAVING count(*) > 1) d`,
    );
    expect(doubleOpen[0]?.n).toBe(0);

    // As of each accepted observedAt, the router holds exactly that push's port.
    for (const a of accepted) {
      const at = contents(a.i).observedAt;
      const answer = await h.query("ports.node", {
        cluster: "prod-eu-1",
        node: `worker-${(a.i % 3) + 1}`,
        asOf: at,
      });
      expect(answer.ok && answer.data.allocations.map((x) => x.hostPort).filter((p) => p !== 9100)).toEqual([
        20000 + a.i,
      ]);
    }
    // Intervals of the router chain without gaps or overlaps, in acceptance order.
    const chain = await rawRows<{
      host_port: number;
      valid_from: Date | string;
      valid_to: Date | string | null;
    }>(
      h.database.db,
      sql`SELECT host_port, valid_from, valid_to FROM port_allocations WHERE pod = 'router' ORDER BY valid_from`,
    );
    expect(chain.map((r) => r.host_port)).toEqual(accepted.map((a) => 20000 + a.i));
    chain.forEach((row, k) => {
      const next = chain[k + 1];
      if (next) expect(new Date(row.valid_to ?? 0).getTime()).toBe(new Date(next.valid_from).getTime());
      else expect(row.valid_to).toBeNull();
    });
  });
});
