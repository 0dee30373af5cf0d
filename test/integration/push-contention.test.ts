import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawRows } from "../../src/db/raw.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { onRealPostgres } from "../helpers/database.js";

/** Resolves with the promise's value, or rejects once `ms` have passed: a liveness bound, not a timing. */
function within<T>(ms: number, promise: Promise<T> | T, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms),
    ),
  ]);
}

// Connections and row locks are real only on PostgreSQL (PGlite has one connection).
describe.skipIf(!onRealPostgres())("pushes of one busy cluster (PostgreSQL, a pool of 3)", () => {
  let h: Harness;
  let other: postgres.Sql;
  beforeAll(async () => {
    h = await createHarness({ poolMax: 3 });
    const { url } = h.database as { url?: string };
    // two connections: one holds a lock in a transaction, the other looks at who waits
    other = postgres(url ?? "", { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await other.end();
    await h.close();
  });
  beforeEach(() => h.reset());

  const nodes = [node("worker-1")];
  const push = (token: string, i: number) =>
    h.push(
      token,
      snapshot("busy", new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString(), nodes, [
        hostNetworkPod("ingress", "router", "worker-1", [20000 + i]),
      ]),
    );

  /** Holds `statement`'s lock in an open transaction on a connection outside the app's pool. */
  async function holdLock(statement: string) {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const taken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const done = other.begin(async (tx) => {
      await tx.unsafe(statement);
      locked();
      await released;
    });
    await taken;
    return async () => {
      release();
      await done;
    };
  }

  async function waitForLockWaiters(n: number) {
    for (let i = 0; i < 200; i++) {
      const [row] = await other`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      if ((row?.n ?? 0) >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`fewer than ${n} sessions waiting on a lock`);
  }

  it("12 pushes of one cluster stuck behind a slow one leave the pool to reads, and no acknowledged push is lost", async () => {
    const token = await h.register("busy");
    const reader = await h.register("other");
    expect(
      (
        await h.push(
          reader,
          snapshot("other", "2026-11-27T09:00:00Z", nodes, [
            hostNetworkPod("monitoring", "node-exporter", "worker-1", [9100]),
          ]),
        )
      ).status,
    ).toBe(200);
    // The first push gets the cluster row and then waits on the log table, holding one connection.
    const release = await holdLock("LOCK TABLE snapshots IN EXCLUSIVE MODE");
    const pushes = Array.from({ length: 12 }, (_, i) => push(token, i + 1));
    try {
      await waitForLockWaiters(1);
      const read = await within(10_000, h.query("ports.who", { hostPort: 9100 }), "ports.who");
      expect(read.ok && read.data.summary?.total).toBe(1);
    } finally {
      await release();
    }
    const answers = await Promise.all(
      pushes.map(async (p) => {
        const res = await p;
        return {
          status: res.status,
          retryAfter: res.headers.get("retry-after"),
          body: (await res.json()) as { snapshotId?: number; error?: { code: string } },
        };
      }),
    );
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(a.body.error?.code).toBe("PUSH_IN_PROGRESS");
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
    }
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted.length).toBeGreaterThan(0);
    expect(answers.every((a) => [200, 409, 429].includes(a.status))).toBe(true);
    const logged = await rawRows<{ id: number }>(
      h.database.db,
      sql`SELECT id FROM snapshots WHERE cluster_id = (SELECT id FROM clusters WHERE name = 'busy')`,
    );
    expect(logged.map((r) => Number(r.id)).sort()).toEqual(accepted.map((a) => a.body.snapshotId).sort());
  });

  it("a push finding its cluster row locked elsewhere answers 429 PUSH_IN_PROGRESS at once", async () => {
    const token = await h.register("busy");
    // Another replica (or a Worker isolate) in the middle of a push of this cluster.
    const release = await holdLock("SELECT id FROM clusters WHERE name = 'busy' FOR UPDATE");
    try {
      const res = await within(10_000, push(token, 1), "push");
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PUSH_IN_PROGRESS");
    } finally {
      await release();
    }
    expect((await push(token, 2)).status).toBe(200);
  });
});
