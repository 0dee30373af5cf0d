/**
 * Item 1 of issue 8: a database connection cut mid-request must not take the server down.
 * postgres.js 3.4.9 throws from a setImmediate when its own ROLLBACK meets a closed connection
 * (porsager/postgres#1154, #1208); the server contains that one crash and answers 503.
 *
 * The real Node server runs in a child process (a crash must be observable as an exit) with its
 * DATABASE_URL through a TCP proxy the test can cut. PostgreSQL only: the embedded database has no
 * connection to cut; CI runs the suite on PostgreSQL too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import type { DatabaseHandle } from "../../src/db/types.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { ADMIN_TOKEN } from "../helpers/app.js";
import { createTestDatabase, onRealPostgres } from "../helpers/database.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** `node src/entry/node.ts` with the given environment; resolves once it listens. */
async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/entry/node.ts"], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", PORTOLAN_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout?.on("data", () => {
      const match = /"msg":"portolan listening","url":"([^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { url, child, output: () => output };
}

/** 400 nodes, 1,000 host-port pods; `round` moves every port so each push rewrites history. */
function bigSnapshot(round: number): SnapshotInput {
  const nodes = Array.from({ length: 400 }, (_, i) => node(`worker-${i}`));
  const pods = Array.from({ length: 1000 }, (_, i) =>
    hostNetworkPod("load", `pod-${i}`, `worker-${i % 400}`, [10000 + ((i + round * 7) % 5000)], {
      kind: "DaemonSet",
      name: `ds-${i % 50}`,
    }),
  );
  const observedAt = new Date(Date.UTC(2026, 10, 27, 10, 0, round)).toISOString();
  return snapshot("cut-me", observedAt, nodes, pods);
}

interface Answer {
  status: number;
  code: string | undefined;
}

async function answer(res: Promise<Response>): Promise<Answer> {
  const r = await res;
  const body = (await r.json().catch(() => ({}))) as {
    error?: { code?: unknown; data?: { reason?: string } };
  };
  // REST: error.code; tRPC: error.data.reason (error.code is JSON-RPC's number there).
  const code = body.error?.data?.reason ?? body.error?.code;
  return { status: r.status, code: typeof code === "string" ? code : undefined };
}

describe.skipIf(!onRealPostgres())("a database connection cut mid-request (PostgreSQL)", () => {
  let database: DatabaseHandle & { url?: string };
  let proxy: TcpProxy;
  let server: ServerProcess;
  let agentToken: string;
  let dbName: string;
  /** a direct connection (not through the proxy) that watches and terminates the server's backends */
  let observer: postgres.Sql;

  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const push = (round: number) =>
    fetch(`${server.url}/v1/snapshots`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" },
      body: JSON.stringify(bigSnapshot(round)),
    });
  const read = () =>
    fetch(`${server.url}/trpc/ports.map?input=${encodeURIComponent(JSON.stringify({ cluster: "cut-me" }))}`, {
      headers: admin,
    });

  /** Bounded wait until reads succeed again (postgres.js reconnects on the next query). */
  async function untilHealthy(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await read()).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the server never recovered:\n${server.output()}`);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dbName = new URL(database.url ?? "").pathname.slice(1);
    observer = postgres(database.url ?? "", { max: 1, onnotice: () => {} });
    const target = new URL(database.url ?? "");
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    server = await startServerProcess({ DATABASE_URL: proxy.url(database.url ?? "") });
    const registered = await fetch(`${server.url}/trpc/clusters.register`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ name: "cut-me" }),
    });
    agentToken = ((await registered.json()) as { result: { data: { token: string } } }).result.data.token;
    expect((await push(0)).status).toBe(200);
  });
  afterAll(async () => {
    server?.child.kill("SIGKILL");
    await observer?.end();
    await proxy?.close();
    await database?.close();
  });

  /**
   * Starts a push and two reads, waits until the push's transaction is open on the server (that is
   * when postgres.js writes its ROLLBACK to a closed connection), then disrupts; returns the answers.
   */
  async function disruptDuring(round: number, disrupt: () => Promise<void>) {
    const inFlight = [push(round), read(), read()].map(answer);
    for (let poll = 0; poll < 400; poll++) {
      const [open] = await observer<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = ${dbName} AND pid <> pg_backend_pid() AND state = 'idle in transaction'`;
      if ((open?.n ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await disrupt();
    return Promise.all(inFlight);
  }

  function expectSurvived(answers: Answer[]) {
    expect(server.child.exitCode, server.output()).toBeNull();
    for (const a of answers) {
      if (a.status !== 200) expect(a).toEqual({ status: 503, code: "DATABASE_UNAVAILABLE" });
    }
  }

  it("answers 503 or succeeds, stays alive and recovers when the proxy cuts every connection", async () => {
    for (let round = 1; round <= 5; round++) {
      const answers = await disruptDuring(round, async () => proxy.cut());
      // An exit is reported by the child's 'exit' event a little after the crash itself.
      await new Promise((r) => setTimeout(r, 200));
      expectSurvived(answers);
      await untilHealthy();
    }
    // The rounds did meet the driver's crash (not only clean rejections), and it was contained.
    expect(server.output()).toContain("its pool was replaced");
    // More reads at once than the pool has connections: every connection is used, so none may be
    // left poisoned by the crash (a stale write buffer stalls its handshake until CONNECT_TIMEOUT).
    // A connection cut mid-result that no one used since may still hand its next query a damaged
    // result: that read is a 503 and its pool is replaced (src/db/checked-results.ts). Reads already
    // in flight on the old pool, or a burst that meets the replacement half-way, may carry more such
    // 503s; so bursts repeat (a bounded few) until one is all 200, and every other answer is a 503.
    const statuses: number[][] = [];
    for (let burst = 0; burst < 4; burst++) {
      const answers = await Promise.all(Array.from({ length: 15 }, () => read()));
      statuses.push(answers.map((r) => r.status));
      for (const r of answers) if (r.status !== 200) expect(r.status, server.output()).toBe(503);
      if (answers.every((r) => r.status === 200)) break;
    }
    expect(statuses.at(-1), `bursts: ${JSON.stringify(statuses)}\n${server.output().slice(-4000)}`).toEqual(
      Array(15).fill(200),
    );
    expect((await push(100)).status).toBe(200);
  }, 120_000);

  it("does the same when PostgreSQL terminates the backends (pg_terminate_backend)", async () => {
    for (let round = 201; round <= 205; round++) {
      const answers = await disruptDuring(round, async () => {
        await observer`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                       WHERE datname = ${dbName} AND pid <> pg_backend_pid()`;
      });
      await new Promise((r) => setTimeout(r, 200));
      expectSurvived(answers);
      await untilHealthy();
    }
    expect((await push(300)).status).toBe(200);
  }, 120_000);
});
