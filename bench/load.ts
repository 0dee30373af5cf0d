/**
 * Bounded load test (`npm run load`, loopback only): the real Node server as a child process on a
 * scratch PostgreSQL database, N clusters pushing ~1 %-churn snapshots every interval while readers
 * query; prints throughput, latency percentiles, errors and server memory, then verifies that every
 * acknowledged push is in history and no key is open twice (exit 1 otherwise). Stops by itself.
 *
 * Every push's body is built before the timed window (bench/load/push-plan.ts: the agent's encoders,
 * each delta against the state before it), so the client's CPU in the window is mostly sending.
 * --servers N runs the server as N processes sharing the port (PORTOLAN_WORKERS=N).
 *
 *   npm run load -- [--clusters 200] [--nodes 50] [--interval 1] [--readers 4] [--reader-rate 20]
 *                   [--seconds 60] [--quick] [--mode delta|whole] [--servers 1]
 *                   [--database-url postgres://…] [--server-node-options="--cpu-prof --cpu-prof-dir=/tmp/p"]
 */
import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Client, Pool } from "undici";
import { ClusterSim } from "./load/cluster-sim.js";
import { PushPlan } from "./load/push-plan.js";
import { backendCpuSeconds, createScratchDatabase, startServer } from "./load/server.js";
import { Recorder } from "./load/stats.js";
import { type AckedPush, type ClusterOutcome, verify } from "./load/verify.js";

const { values: args } = parseArgs({
  options: {
    clusters: { type: "string" },
    nodes: { type: "string", default: "50" },
    interval: { type: "string", default: "1" },
    readers: { type: "string", default: "4" },
    "reader-rate": { type: "string", default: "20" },
    seconds: { type: "string" },
    quick: { type: "boolean", default: false },
    /** delta: as the agent pushes (whole at start and after 409 BASE_MISMATCH); whole: every push whole */
    mode: { type: "string", default: "delta" },
    "database-url": {
      type: "string",
      default: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    },
    "server-node-options": { type: "string", default: "" },
    /** server processes sharing the port (PORTOLAN_WORKERS) */
    servers: { type: "string", default: "1" },
  },
});
const clusterCount = Number(args.clusters ?? (args.quick ? 20 : 200));
const nodeCount = Number(args.nodes);
const intervalMs = Number(args.interval) * 1000;
const readerCount = Number(args.readers);
/** calls per second per reader: a dashboard's pace, inside the server's per-token budget */
const readerRate = Number(args["reader-rate"]);
const seconds = Number(args.seconds ?? (args.quick ? 20 : 60));
const databaseUrl = args["database-url"];
if (args.mode !== "delta" && args.mode !== "whole")
  throw new Error(`--mode is delta or whole, not ${args.mode}`);
const mode: PushMode = args.mode;
const serverCount = Number(args.servers);
if (!Number.isInteger(serverCount) || serverCount < 1) throw new Error(`--servers is a whole number ≥ 1`);
const host = new URL(databaseUrl).hostname;
if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
  throw new Error(`the load script only talks to loopback; ${host} is not`);
}
/** A request that has not answered by then counts as an error (and the run still ends). */
const REQUEST_TIMEOUT_MS = 30_000;

const recorder = new Recorder();
/** accepted pushes by what was sent, and deltas refused for their base (each followed by the whole) */
const pushKinds = { whole: 0, delta: 0 };
let baseMismatches = 0;
let stopping = false;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Answer {
  status: number;
  body: unknown;
}

/** One request with a timer we own (AbortSignal.timeout is unreliable on Node 20). */
async function call(
  pool: Pool | Client,
  method: "GET" | "POST",
  path: string,
  token: string,
  body?: string | Buffer,
) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await pool.request({
      method,
      path,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { "content-type": "application/json" } : {}),
        // The agent's bodies are gzipped JSON; the script's own calls are plain.
        ...(typeof body === "object" ? { "content-encoding": "gzip" } : {}),
      },
      ...(body ? { body } : {}),
      signal: abort.signal,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null } satisfies Answer;
  } finally {
    clearTimeout(timer);
  }
}

/** "409 STALE_SNAPSHOT", "500", "network" … */
function describeFailure(answer: Answer): string {
  const body = answer.body as { error?: { code?: string; data?: { code?: string; reason?: string } } };
  const code = body?.error?.data?.reason ?? body?.error?.code ?? body?.error?.data?.code ?? "";
  return `${answer.status} ${code}`.trim();
}

async function trpc<T>(pool: Pool, token: string, procedure: string, input: unknown, mutation = false) {
  const answer = mutation
    ? await call(pool, "POST", `/trpc/${procedure}`, token, JSON.stringify(input))
    : await call(pool, "GET", `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, token);
  if (answer.status !== 200) throw new Error(`${procedure}: ${describeFailure(answer)}`);
  return (answer.body as { result: { data: T } }).result.data;
}

type PushMode = "delta" | "whole";

interface PushingCluster {
  name: string;
  /**
   * The cluster's own connection, as an agent keeps one (keep-alive): with several server workers its
   * pushes stay on one worker while it lives, so that worker's remembered base state serves its deltas.
   */
  connection: Client;
  plan: PushPlan;
  id: number;
  token: string;
  /** the state sent next, and whether the API holds the one before it (so a delta can go) */
  next: number;
  haveBase: boolean;
  /** the last acknowledged state, and states sent after it whose answer never came */
  ackedState: number | null;
  unknownStates: number[];
}

/**
 * Pushes every interval on a fixed schedule; a tick missed while the previous push runs is offered,
 * not sent. Each push is the cluster's next planned state: a delta against the acknowledged one as the
 * agent sends it, or whole at start, after 409 BASE_MISMATCH and after a push whose answer was lost.
 */
async function pushLoop(cluster: PushingCluster, start: number, end: number, acked: AckedPush[]) {
  const pool = cluster.connection;
  const phase = cluster.plan.phaseMs;
  for (let tick = 0; ; tick++) {
    const due = start + phase + tick * intervalMs;
    if (due >= end || stopping) return;
    if (performance.now() > due + intervalMs) continue;
    await sleep(due - performance.now());
    const k = cluster.next;
    const began = performance.now();
    let kind: "whole" | "delta" = "whole";
    try {
      const planned = await cluster.plan.state(k);
      let body: Buffer;
      if (mode === "delta" && cluster.haveBase && planned.delta) {
        kind = "delta";
        body = planned.delta;
      } else body = await cluster.plan.whole(k);
      let answer = await call(pool, "POST", "/v1/snapshots", cluster.token, body);
      if (answer.status === 409 && describeFailure(answer) === "409 BASE_MISMATCH") {
        // The agent's rule: the API holds another state, so the whole snapshot follows at once.
        baseMismatches++;
        kind = "whole";
        answer = await call(pool, "POST", "/v1/snapshots", cluster.token, await cluster.plan.whole(k));
      }
      if (answer.status === 200) {
        recorder.latency("push", performance.now() - began);
        pushKinds[kind]++;
        const { snapshotId } = answer.body as { snapshotId: number };
        acked.push({ clusterId: cluster.id, snapshotId, observedAt: planned.observedAt });
        cluster.ackedState = k;
        cluster.unknownStates = [];
        cluster.next = k + 1;
        cluster.haveBase = true;
        cluster.plan.release(k);
        continue;
      }
      const failure = describeFailure(answer);
      recorder.error("push", failure);
      // 429 and 503 SERVER_BUSY come from the gates before any transaction: the API still holds the
      // base, and the same changes go again at the next tick. Any other 4xx wrote nothing but is not
      // worth repeating; any other 5xx may have committed. Either way the next state goes whole.
      if (answer.status === 429 || failure === "503 SERVER_BUSY") continue;
      if (answer.status >= 500) cluster.unknownStates.push(k);
      cluster.next = k + 1;
      cluster.haveBase = false;
    } catch (error) {
      if (!recorder.errors.has(`push network ${(error as Error).name}`))
        console.error(`first push failure of its kind: ${(error as Error).stack ?? error}`);
      recorder.error("push", `network ${(error as Error).name}`);
      cluster.unknownStates.push(k);
      cluster.next = k + 1;
      cluster.haveBase = false;
    }
  }
}

async function readLoop(pool: Pool, token: string, names: readonly string[], end: number, reader: number) {
  for (let i = reader; performance.now() < end && !stopping; i++) {
    const cluster = names[i % names.length] ?? "";
    const [procedure, input] = [
      ["ports.who", { hostPort: 9100 }],
      ["ports.map", { cluster }],
      ["capacity.headroom", { clusters: [cluster] }],
      ["clusters.list", {}],
    ][i % 4] as [string, unknown];
    const began = performance.now();
    try {
      const answer = await call(
        pool,
        "GET",
        `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
        token,
      );
      if (answer.status === 200) recorder.latency(procedure, performance.now() - began);
      else recorder.error(procedure, describeFailure(answer));
    } catch (error) {
      recorder.error(procedure, `network ${(error as Error).name}`);
    }
    await sleep(began + 1000 / readerRate - performance.now());
  }
}

async function main(): Promise<number> {
  const adminToken = `load-admin-${randomBytes(12).toString("hex")}`;
  const database = await createScratchDatabase(databaseUrl);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let pool: Pool | undefined;
  const clusters: PushingCluster[] = [];
  try {
    server = await startServer({
      databaseUrl: database.url,
      adminToken,
      nodeOptions: args["server-node-options"].split(" ").filter(Boolean),
      servers: serverCount,
    });
    // Readers and setup share a pool; each cluster pushes on a connection of its own (below).
    pool = new Pool(server.url, { connections: Math.max(4, readerCount), pipelining: 1 });
    // One read token per reader, as separate dashboards would have: the per-token limits apply to each.
    const readTokens: string[] = [];
    for (let r = 0; r < readerCount; r++) {
      const answer = await trpc<{ token: string }>(
        pool,
        adminToken,
        "tokens.createRead",
        { name: `load-reader-${r}` },
        true,
      );
      readTokens.push(answer.token);
    }
    // Every push's body is built here, before the window: the client's CPU in the window is sending.
    const anchorMs = Date.now();
    for (let c = 0; c < clusterCount; c++) {
      const name = `load-${c}`;
      const { token } = await trpc<{ token: string }>(pool, adminToken, "clusters.register", { name }, true);
      const plan = new PushPlan(new ClusterSim(name, nodeCount, c + 1), {
        anchorMs,
        phaseMs: Math.random() * intervalMs,
        intervalMs,
        checkEvery: c === 0 ? 1 : 0,
      });
      clusters.push({
        name,
        connection: new Client(server.url, { pipelining: 1 }),
        plan,
        id: 0,
        token,
        next: 0,
        haveBase: false,
        ackedState: null,
        unknownStates: [],
      });
    }
    const ids = await database.sql<{ id: number; name: string }[]>`SELECT id, name FROM clusters`;
    for (const cluster of clusters) cluster.id = ids.find((row) => row.name === cluster.name)?.id ?? -1;
    const ticks = Math.ceil((seconds * 1000) / intervalMs);
    const buildStarted = performance.now();
    const buildCpuBefore = process.cpuUsage();
    for (const cluster of clusters) {
      await cluster.plan.ensure(ticks);
      await cluster.plan.whole(0);
      if (mode === "whole") for (let k = 1; k <= ticks; k++) await cluster.plan.whole(k);
    }
    const buildCpu = process.cpuUsage(buildCpuBefore);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    console.error(
      `server ${server.url} (pids ${server.pids().join(", ")}); ${clusterCount} clusters × ${nodeCount} nodes, ` +
        `every ${intervalMs / 1000} s, ${readerCount} readers at ${readerRate}/s, ${seconds} s, ${mode} pushes; ` +
        `bodies built in ${buildSeconds.toFixed(1)} s`,
    );

    const acked: AckedPush[] = [];
    // The figures mean little on a machine busy with other work: say how busy it was.
    const loadBefore = loadavg()[0] ?? 0;
    const clientCpuBefore = process.cpuUsage();
    const serverCpuBefore = server.cpuSeconds();
    const backendCpuBefore = await backendCpuSeconds(database.sql);
    const start = performance.now();
    const end = start + seconds * 1000;
    let peakRssKb = 0;
    const sampler = setInterval(() => {
      if (server) peakRssKb = Math.max(peakRssKb, server.memory().rssKb);
    }, 250);
    await Promise.all([
      ...clusters.map((cluster) => pushLoop(cluster, start, end, acked)),
      ...Array.from({ length: readerCount }, (_, r) =>
        readLoop(
          pool as Pool,
          readTokens[r] ?? adminToken,
          clusters.map((c) => c.name),
          end,
          r,
        ),
      ),
    ]);
    clearInterval(sampler);
    const elapsed = (performance.now() - start) / 1000;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const serverCpu = server.cpuSeconds() - serverCpuBefore;
    let backendCpu = 0;
    for (const [pid, cpu] of await backendCpuSeconds(database.sql))
      backendCpu += cpu - (backendCpuBefore.get(pid) ?? 0);
    const accepted = Math.max(1, recorder.count("push"));
    const offered = clusterCount * Math.floor((seconds * 1000) / intervalMs);

    const report = {
      config: {
        clusters: clusterCount,
        nodes: nodeCount,
        intervalS: intervalMs / 1000,
        readers: readerCount,
        seconds,
        mode,
        servers: serverCount,
      },
      pushes: {
        offeredPerS: +(offered / seconds).toFixed(1),
        acceptedPerS: +(recorder.count("push") / elapsed).toFixed(1),
        accepted: recorder.count("push"),
        acceptedWhole: pushKinds.whole,
        acceptedDelta: pushKinds.delta,
        baseMismatches,
        latencyMs: recorder.summary("push"),
      },
      readsMs: Object.fromEntries(
        recorder
          .operations()
          .filter((op) => op !== "push")
          .map((op) => [op, recorder.summary(op)]),
      ),
      errors: Object.fromEntries(recorder.errors),
      server: {
        processes: server.pids().length,
        peakRssMB: Math.round(Math.max(peakRssKb, server.memory().peakKb) / 1024),
        cpuPercentOfOneCore: Math.round((100 * serverCpu) / elapsed),
        cpuMsPerAcceptedPush: +((1000 * serverCpu) / accepted).toFixed(2),
        errorLogLines: server.problems.length,
      },
      postgres: {
        cpuPercentOfOneCore: Math.round((100 * backendCpu) / elapsed),
        cpuMsPerAcceptedPush: +((1000 * backendCpu) / accepted).toFixed(2),
      },
      machine: {
        cores: availableParallelism(),
        loadAverageBefore: +loadBefore.toFixed(1),
        loadAverageAfter: +(loadavg()[0] ?? 0).toFixed(1),
      },
      client: {
        cpuPercentOfOneCore: Math.round((clientCpu.user + clientCpu.system) / 1e4 / elapsed),
        cpuMsPerAcceptedPush: +((clientCpu.user + clientCpu.system) / 1000 / accepted).toFixed(2),
        bodiesBuiltSeconds: +buildSeconds.toFixed(1),
        bodiesBuiltCpuSeconds: +((buildCpu.user + buildCpu.system) / 1e6).toFixed(1),
      },
    };
    const failures = await verify(
      database.sql,
      acked,
      clusters.map(
        (c): ClusterOutcome => ({
          clusterId: c.id,
          name: c.name,
          acked: c.ackedState === null ? null : c.plan.keys(c.ackedState),
          unknown: c.unknownStates.map((k) => c.plan.keys(k)),
        }),
      ),
    );
    console.log(
      JSON.stringify({ ...report, verification: failures.length === 0 ? "ok" : failures }, null, 2),
    );
    console.log(summary(report, failures));
    for (const line of server.problems.slice(0, 5)) console.error(`server: ${line}`);
    const errors = [...recorder.errors.values()].reduce((a, b) => a + b, 0);
    return failures.length === 0 && errors === 0 ? 0 : 1;
  } finally {
    await pool?.close();
    await Promise.all(clusters.map((c) => c.connection.close()));
    await server?.stop();
    await database.drop();
  }
}

/** The figures the issue's targets are stated in, as lines a person reads. */
function summary(
  report: {
    pushes: { offeredPerS: number; acceptedPerS: number; acceptedWhole: number; acceptedDelta: number };
    readsMs: Record<string, { p95: number }>;
    errors: Record<string, number>;
    server: { processes: number; cpuMsPerAcceptedPush: number };
    postgres: { cpuMsPerAcceptedPush: number };
    client: { cpuPercentOfOneCore: number; cpuMsPerAcceptedPush: number };
    machine: { cores: number; loadAverageBefore: number; loadAverageAfter: number };
  },
  failures: string[],
): string {
  const { pushes } = report;
  const total = Math.max(1, pushes.acceptedWhole + pushes.acceptedDelta);
  const share = (n: number) => ((pushes.acceptedPerS * n) / total).toFixed(1);
  const latency = recorder.summary("push");
  const busy = Object.entries(report.errors)
    .filter(([key]) => key.includes(" 503"))
    .reduce((n, [, count]) => n + count, 0);
  const errors = Object.values(report.errors).reduce((n, count) => n + count, 0) - busy;
  const reads = Object.entries(report.readsMs)
    .map(([op, s]) => `${op} ${s.p95} ms`)
    .join(", ");
  return [
    `${mode} pushes, ${report.server.processes === 1 ? "1 server process" : `${serverCount} server workers`}:`,
    `  accepted     ${pushes.acceptedPerS}/s (whole ${share(pushes.acceptedWhole)}/s, delta ${share(pushes.acceptedDelta)}/s) of ${pushes.offeredPerS}/s offered; ${baseMismatches} BASE_MISMATCH`,
    `  push         p50 ${latency.p50} ms, p95 ${latency.p95} ms`,
    `  reads p95    ${reads || "none"}`,
    `  503s         ${busy}; other errors ${errors}`,
    `  CPU / push   server ${report.server.cpuMsPerAcceptedPush} ms, PostgreSQL ${report.postgres.cpuMsPerAcceptedPush} ms, client ${report.client.cpuMsPerAcceptedPush} ms (client ${report.client.cpuPercentOfOneCore} % of a core)`,
    `  machine      ${report.machine.cores} cores, load average ${report.machine.loadAverageBefore} → ${report.machine.loadAverageAfter}`,
    `  verification ${failures.length === 0 ? "ok" : `FAILED (${failures.length})`}`,
  ].join("\n");
}

process.once("SIGINT", () => {
  // Stop the run early; main's finally still stops the server and drops the database.
  stopping = true;
});
process.exitCode = await main();
