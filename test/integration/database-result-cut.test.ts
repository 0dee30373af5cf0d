/**
 * A connection cut in the middle of a large result. postgres.js 3.4.9 keeps a per-connection row
 * counter that only a completed statement resets (porsager/postgres#1119, #1181): after the cut, the
 * reconnected connection writes its next result's rows after as many holes as the cut query had
 * received. Unchecked, that sparse array made a valid read token look unknown (401) and the port
 * map throw TypeErrors (500). The database layer refuses such a result: 503, then normal service.
 *
 * PostgreSQL only: the embedded database has no connection to cut.
 */

import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { databaseOutageCode } from "../../src/db/failures.js";
import { createPostgresDatabase, type PostgresHandle } from "../../src/db/postgres.js";
import { rawRows } from "../../src/db/raw.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { onRealPostgres } from "../helpers/database.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

/** 2,000 nodes, each with a host-network pod holding port 10001: a page of holders of 2,000 rows. */
function crowdedCluster() {
  const nodes = Array.from({ length: 2000 }, (_, i) => node(`worker-${i}`));
  const pods = Array.from({ length: 2000 }, (_, i) =>
    hostNetworkPod("load", `pod-${i}`, `worker-${i}`, [10001, 20000 + i], {
      kind: "DaemonSet",
      name: `ds-${i % 40}`,
    }),
  );
  return snapshot("crowded", "2026-11-27T10:00:00.000Z", nodes, pods);
}

interface Answer {
  status: number;
  code: string | undefined;
}

describe.skipIf(!onRealPostgres())("a connection cut in the middle of a large result (PostgreSQL)", () => {
  let seed: Harness;
  let proxy: TcpProxy;
  /** one connection, so the next query surely runs on the connection that was cut */
  let throughProxy: PostgresHandle;
  let app: ReturnType<typeof createApp>;
  let readToken: string;

  async function ask(path: string, input: unknown): Promise<Answer> {
    const res = await app.request(`/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    const body = (await res.json().catch(() => ({}))) as { error?: { data?: { reason?: unknown } } };
    const reason = body.error?.data?.reason;
    return { status: res.status, code: typeof reason === "string" ? reason : undefined };
  }

  beforeAll(async () => {
    seed = await createHarness();
    const token = await seed.register("crowded");
    expect((await seed.push(token, crowdedCluster())).status).toBe(200);
    const created = await seed.mutate("tokens.createRead", { name: "dashboard" });
    if (!created.ok) throw new Error(created.error.message);
    readToken = created.data.token;
    const url = (seed.database as { url?: string }).url ?? "";
    const target = new URL(url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    throughProxy = createPostgresDatabase(proxy.url(url), { max: 1 });
    app = createApp({
      database: throughProxy,
      auth: { adminToken: undefined, openAccess: false },
      staleAfterSeconds: 600,
      maxSnapshotBytes: 8 * 1024 * 1024,
    });
  }, 60_000);
  afterAll(async () => {
    await throughProxy?.close();
    await proxy?.close();
    await seed?.close();
  });

  it("answers 503 DATABASE_UNAVAILABLE or succeeds, never 401 for a valid token, and recovers", async () => {
    const mapInput = { cluster: "crowded" };
    const whoInput = { hostPort: 10001, limit: 10_000 };
    // Warm: the whole answer's size says where the middle of its last, largest result is.
    const before = proxy.downstreamBytes();
    expect((await ask("ports.who", whoInput)).status).toBe(200);
    const whoBytes = proxy.downstreamBytes() - before;
    expect(whoBytes).toBeGreaterThan(200_000);

    const answers: Answer[] = [];
    for (let round = 0; round < 5; round++) {
      proxy.cutAfter(Math.floor(whoBytes * 0.7) + round * 1000);
      // The page of holders is cut; the next request's first statement (its token lookup) runs on
      // the reconnected connection.
      answers.push(await ask("ports.who", whoInput));
      answers.push(await ask("ports.map", mapInput));
      answers.push(await ask("ports.who", whoInput));
    }
    for (const a of answers) {
      if (a.status !== 200) expect(a).toEqual({ status: 503, code: "DATABASE_UNAVAILABLE" });
    }
    // The cut itself is seen (else the test proves nothing).
    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    // Later requests succeed.
    expect(await ask("ports.map", mapInput)).toEqual({ status: 200, code: undefined });
    expect(await ask("ports.who", whoInput)).toEqual({ status: 200, code: undefined });
  }, 60_000);

  it("refuses a sparse result from the driver in the database layer, whatever the caller", async () => {
    const big = sql`SELECT g AS n, repeat('x', 100) AS pad FROM generate_series(1, 20000) g`;
    const before = proxy.downstreamBytes();
    await rawRows(throughProxy.db, big);
    const bytes = proxy.downstreamBytes() - before;
    proxy.cutAfter(Math.floor(bytes / 2));
    await expect(rawRows(throughProxy.db, big)).rejects.toThrow();
    // The next statement on the cut connection: sparse without the check, refused with it.
    const next = await rawRows<{ n: number }>(throughProxy.db, sql`SELECT 1 AS n`).then(
      (rows) => ({ rows }),
      (error: unknown) => ({ error }),
    );
    if ("rows" in next) expect(next.rows).toEqual([{ n: 1 }]);
    else expect(databaseOutageCode(next.error)).toBe("DATABASE_RESULT_DAMAGED");
    expect(await rawRows(throughProxy.db, sql`SELECT 2 AS n`)).toEqual([{ n: 2 }]);
  }, 60_000);

  it("keeps transactions and savepoints working through the checked client", async () => {
    const inner = await throughProxy.db.transaction(async (tx) => {
      await rawRows(tx, sql`SELECT 1 AS n`);
      return tx.transaction(async (nested) => rawRows<{ n: number }>(nested, sql`SELECT 3 AS n`));
    });
    expect(inner).toEqual([{ n: 3 }]);
  });
});
