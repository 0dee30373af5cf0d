/**
 * Ingest benchmark: a large cluster's first push, an unchanged push and a ~1% churn push, each as a
 * ratio of a baseline measured in the same run (parsing + validating the same payload).
 * Usage: npx tsx bench/ingest.ts [nodes=5000]   (TEST_DATABASE_URL=postgres://… for PostgreSQL)
 */
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { createApp } from "../src/app.js";
import { parseSnapshot } from "../src/contract/snapshot.js";
import { applyMigrations } from "../src/db/migrate.js";
import { createPgliteDatabase } from "../src/db/pglite.js";
import { createPostgresDatabase } from "../src/db/postgres.js";
import type { DatabaseHandle } from "../src/db/types.js";
import { clusterSnapshot } from "./fleet.js";

const nodes = Number(process.argv[2] ?? 5000);
const url = process.env.TEST_DATABASE_URL;

async function openDatabase(): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  if (!url) {
    const handle = await createPgliteDatabase();
    await applyMigrations(handle);
    return { handle, drop: () => handle.close() };
  }
  const name = `portolan_bench_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const handle = createPostgresDatabase(u.toString());
  await applyMigrations(handle);
  return {
    handle,
    drop: async () => {
      await handle.close();
      await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

const { handle, drop } = await openDatabase();
try {
  const app = createApp({
    database: handle,
    auth: { adminToken: undefined, openAccess: true },
    staleAfterSeconds: 600,
    maxSnapshotBytes: 512 * 1024 * 1024,
  });
  const register = await app.request("/trpc/clusters.register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "bench" }),
  });
  const { token } = ((await register.json()) as { result: { data: { token: string } } }).result.data;
  const push = async (body: string): Promise<Response> =>
    app.request("/v1/snapshots", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body,
    });

  const first = JSON.stringify(clusterSnapshot("bench", nodes, "2026-11-27T10:00:00Z"));
  const [baseline] = await timed(async () => parseSnapshot(JSON.parse(first)));
  const [initial, r1] = await timed(() => push(first));
  const same = JSON.stringify(clusterSnapshot("bench", nodes, "2026-11-27T10:01:00Z"));
  const [unchanged, r2] = await timed(() => push(same));
  const churn = JSON.stringify(clusterSnapshot("bench", nodes, "2026-11-27T10:02:00Z", 42));
  const [churned, r3] = await timed(() => push(churn));
  const answers = await Promise.all([r1, r2, r3].map((r) => r.json()));
  const pods = clusterSnapshot("bench", nodes, "x").pods.length;
  console.log(
    JSON.stringify(
      {
        database: url ? "postgres" : "pglite",
        nodes,
        pods,
        payloadMB: +(first.length / 1e6).toFixed(1),
        baselineParseValidateMs: Math.round(baseline),
        firstPush: { ms: Math.round(initial), ratio: +(initial / baseline).toFixed(2), answer: answers[0] },
        unchangedPush: {
          ms: Math.round(unchanged),
          ratio: +(unchanged / baseline).toFixed(2),
          answer: answers[1],
        },
        churnPush: { ms: Math.round(churned), ratio: +(churned / baseline).toFixed(2), answer: answers[2] },
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      null,
      2,
    ),
  );
} finally {
  await drop();
}
