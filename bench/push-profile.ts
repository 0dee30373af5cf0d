/**
 * CPU profile of the fixed per-push cost: one 50-node cluster (or `nodes`), pushed whole once, then
 * `count` ~1 % churn deltas (A → B, B → A, …), `count` heartbeats and the churn pushed whole `count` times
 * (after ANALYZE, as autovacuum has run on any server that has run a minute), bodies built before the timed
 * loops so only the server's work is measured and profiled. Writes `<out>-<phase>.cpuprofile` and prints wall and CPU ms per push (this process: the app, not
 * PostgreSQL; on PostgreSQL also the CPU ms its backends used per push, from /proc). `churn`: "rename" (~1 % of pods renamed, a rolling restart: the projections cannot
 * move) or "move" (a router pod moved to another node and a replica added: headroom and port counts
 * move, as in `npm run load`'s churn).
 * PROFILE=0 leaves the profiler off (it costs about 2 ms a push).
 * Usage: [PROFILE=0] npx tsx bench/push-profile.ts [nodes=50] [count=300] [out=push] [churn=rename|move]
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { createApp } from "../src/app.js";
import type { SnapshotInput } from "../src/contract/snapshot.js";
import { rawRows } from "../src/db/raw.js";
import { processCpuSeconds } from "./load/server.js";
import { churnPair, deltaBody, heartbeatBody, wholeBody } from "./push-bodies.js";
import { openScratchDatabase } from "./scratch-database.js";

const nodes = Number(process.argv[2] ?? 50);
const count = Number(process.argv[3] ?? 300);
const out = process.argv[4] ?? "push";
const churn = process.argv[5] ?? "rename";
if (churn !== "rename" && churn !== "move") throw new Error(`churn is "rename" or "move", not "${churn}"`);

/** `input` with its first router pod on the last node and one more router replica on the one before. */
function moved(input: SnapshotInput): SnapshotInput {
  const last = `node-${nodes - 1}`;
  const pods = input.pods.map((pod) => (pod.name === "router-default-abc-0" ? { ...pod, node: last } : pod));
  const router = pods.find((pod) => pod.name === "router-default-abc-0");
  if (!router) throw new Error("the fleet's cluster has no router pod to move");
  pods.push({ ...router, name: "router-default-abc-x", node: `node-${nodes - 2}` });
  return { ...input, pods };
}

const { handle, drop } = await openScratchDatabase("portolan_profile");
try {
  const app = createApp({
    database: handle,
    auth: { adminToken: undefined, openAccess: true },
    staleAfterSeconds: 600,
    maxSnapshotBytes: 512 * 1024 * 1024,
  });
  const res = await app.request("/trpc/clusters.register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "profiled" }),
  });
  const token = ((await res.json()) as { result: { data: { token: string } } }).result.data.token;
  const send = async (body: Buffer) => {
    const answer = await app.request("/v1/snapshots", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-encoding": "gzip",
        authorization: `Bearer ${token}`,
      },
      // A Node Buffer is a valid fetch body; the DOM typings only name ArrayBuffer-backed views.
      body: body as Uint8Array<ArrayBuffer>,
    });
    if (answer.status !== 200) throw new Error(`push answered ${answer.status}: ${await answer.text()}`);
    await answer.arrayBuffer();
  };
  const at = (i: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, i)).toISOString();
  const { a, b, ca, cb, ab, ba } = churnPair(
    "profiled",
    nodes,
    at(0),
    42,
    churn === "move" ? moved : undefined,
  );
  await send(wholeBody(a));
  // Statistics as autovacuum keeps them on a server that has run a minute (a new database has none).
  await rawRows(handle.db, sql`ANALYZE`);
  let second = 1;
  const deltas: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const observedAt = at(second++);
    deltas.push(
      i % 2 === 0
        ? await deltaBody("profiled", observedAt, ca, cb, ab)
        : await deltaBody("profiled", observedAt, cb, ca, ba),
    );
  }
  const last = count % 2 === 0 ? ca.hash : cb.hash;
  const heartbeats: Buffer[] = [];
  for (let i = 0; i < count; i++) heartbeats.push(await heartbeatBody("profiled", at(second++), last));
  // The same churn pushed whole, B, A, B, … (starting from the state the heartbeats leave).
  const wholes: Buffer[] = [];
  const states = count % 2 === 0 ? [b, a] : [a, b];
  for (let i = 0; i < count; i++)
    wholes.push(wholeBody({ ...(states[i % 2] as typeof a), observedAt: at(second++) }));
  /** CPU seconds of the scratch database's backends (all of them: the pool's connections), null on PGlite */
  const backendsCpu = async (): Promise<number | null> => {
    if (handle.kind !== "postgres") return null;
    const rows = await rawRows<{ pid: number }>(
      handle.db,
      sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
    );
    let seconds = 0;
    for (const { pid } of rows) {
      try {
        seconds += processCpuSeconds(pid);
      } catch {
        // the backend exited in between
      }
    }
    return seconds;
  };
  // PROFILE=0: the figures without the sampling profiler's own cost (about 2 ms a push).
  const profiling = process.env.PROFILE !== "0";
  const session = new Session();
  session.connect();
  if (profiling) {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
  }
  const phase = async (name: string, bodies: Buffer[]) => {
    // The first tenth warms up (JIT, caches) outside the profile.
    const warm = Math.floor(bodies.length / 10);
    for (const body of bodies.slice(0, warm)) await send(body);
    if (profiling) await session.post("Profiler.start");
    const pgBefore = await backendsCpu();
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const body of bodies.slice(warm)) await send(body);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const pgAfter = await backendsCpu();
    if (profiling) {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(`${out}-${name}.cpuprofile`, JSON.stringify(profile));
    }
    const n = bodies.length - warm;
    console.log(
      JSON.stringify({
        phase: name,
        pushes: n,
        wallMs: +(ms / n).toFixed(2),
        cpuMs: +((used.user + used.system) / 1000 / n).toFixed(2),
        ...(pgBefore !== null && pgAfter !== null
          ? { postgresCpuMs: +(((pgAfter - pgBefore) * 1000) / n).toFixed(2) }
          : {}),
      }),
    );
  };
  await phase("delta", deltas);
  await phase("heartbeat", heartbeats);
  await phase("whole", wholes);
} finally {
  await drop();
}
