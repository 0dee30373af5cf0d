/**
 * Ingest benchmark, as ratios to the floor measured in the same run: the floor is what any ingest of
 * the payload must do (gunzip + JSON.parse + canonical sort + SHA-256 of the same gzipped body), without
 * the project's own validation (the definition the cost-per-push targets use; `floorWithContract` adds the contract's parse, the
 * floor earlier runs used). Each push is timed in wall time and in this process's CPU time (on a shared
 * machine, CPU time is the steadier figure; with PGlite it includes the database's work, with PostgreSQL
 * it does not). Cases: first push, unchanged push, ~1% churn pushed whole, and the
 * same churn pushed as a delta (applied from this process's memory, and read back from the database by
 * an app that never saw the base), and a delta that changes one node (which makes the server recompute
 * headroom and the port summary over the whole cluster). Rounds are interleaved; each figure is the
 * median over the rounds, after a warm-up round and ANALYZE.
 * Usage: npx tsx bench/ingest.ts [nodes=5000] [rounds=5]   (TEST_DATABASE_URL=postgres://… for PostgreSQL;
 * BENCH_DATABASE_PREFIX names its scratch database, default portolan_bench)
 */
import { createHash } from "node:crypto";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import { encodeDelta } from "../agents/src/push/delta.js";
import { createApp } from "../src/app.js";
import { canonicalState, stateHash } from "../src/contract/canonical.js";
import { parseSnapshot } from "../src/contract/snapshot.js";
import { rawRows } from "../src/db/raw.js";
import { clusterSnapshot } from "./fleet.js";
import { median } from "./median.js";
import { canonical, changesBetween, deltaBody, heartbeatBody, wholeBody } from "./push-bodies.js";
import { openScratchDatabase } from "./scratch-database.js";

const nodes = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 5);
const url = process.env.TEST_DATABASE_URL;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What any ingest must do with the body: the floor (no validation, the same sort and hash). */
function floor(body: Buffer): string {
  const raw = JSON.parse(gunzipSync(body).toString("utf8")) as {
    cluster: string;
    nodes: { name: string }[];
    pods: { namespace: string; name: string }[];
  };
  raw.nodes.sort((a, b) => byText(a.name, b.name));
  raw.pods.sort((a, b) => byText(a.namespace, b.namespace) || byText(a.name, b.name));
  return createHash("sha256")
    .update(JSON.stringify({ cluster: raw.cluster, nodes: raw.nodes, pods: raw.pods }))
    .digest("hex");
}

/** The floor earlier runs used: the contract's parse too. */
function floorWithContract(body: Buffer): string {
  const parsed = parseSnapshot(JSON.parse(gunzipSync(body).toString("utf8")));
  if (!parsed.ok) throw new Error(parsed.message);
  return stateHash(canonicalState(parsed.snapshot));
}

/** Wall and CPU milliseconds of one call. */
function timed<T>(run: () => T): { value: T; ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

const { handle, drop } = await openScratchDatabase(process.env.BENCH_DATABASE_PREFIX ?? "portolan_bench");
try {
  const options = {
    database: handle,
    auth: { adminToken: undefined, openAccess: true },
    staleAfterSeconds: 600,
    maxSnapshotBytes: 512 * 1024 * 1024,
  };
  const app = createApp(options);
  const register = async (name: string) => {
    const res = await app.request("/trpc/clusters.register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    return ((await res.json()) as { result: { data: { token: string } } }).result.data.token;
  };
  const send = async (target: typeof app, token: string, body: Buffer) => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const res = await target.request("/v1/snapshots", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-encoding": "gzip",
        authorization: `Bearer ${token}`,
      },
      // A Node Buffer is a valid fetch body; the DOM typings only name ArrayBuffer-backed views.
      body: body as Uint8Array<ArrayBuffer>,
    });
    const answer = (await res.json()) as Record<string, unknown>;
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    if (res.status !== 200) throw new Error(`push answered ${res.status}: ${JSON.stringify(answer)}`);
    return { ms, cpuMs: (used.user + used.system) / 1000, answer };
  };
  const minute = (round: number, m: number) =>
    new Date(Date.UTC(2026, 10, 27, 10, round * 10 + m)).toISOString();

  const cases = [
    "floor",
    "floorWithContract",
    "first",
    "unchanged",
    "churnWhole",
    "churnDelta",
    "churnDeltaReadBack",
    "nodeDelta",
    "heartbeatDelta",
  ] as const;
  const samples: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c, []]));
  const cpuSamples: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c, []]));
  let warmingUp = true;
  const record = (key: (typeof cases)[number], run: { ms: number; cpuMs: number }) => {
    if (warmingUp) return;
    samples[key]?.push(run.ms);
    cpuSamples[key]?.push(run.cpuMs);
  };
  const bytes = { whole: 0, delta: 0 };
  const answers: Record<string, unknown> = {};
  // Round -1 warms up and is not recorded; then the tables are analysed, as autovacuum has done on
  // any server that has run a minute. Without statistics the planner takes a new database's tables
  // for empty and closes a delta's rows by scanning the cluster's open rows (3 ms instead of 0.3).
  for (let round = -1; round < rounds; round++) {
    if (round === 0) {
      warmingUp = false;
      await rawRows(handle.db, sql`ANALYZE`);
    }
    const cluster = round < 0 ? "bench-warm-up" : `bench-${round}`;
    const token = await register(cluster);
    const at = (m: number, churn = 0) => clusterSnapshot(cluster, nodes, minute(round, m), churn);
    const whole = wholeBody;
    const a = at(0);
    const first = whole(a);
    record(
      "floor",
      timed(() => floor(first)),
    );
    record(
      "floorWithContract",
      timed(() => floorWithContract(first)),
    );
    const r1 = await send(app, token, first);
    record("first", r1);
    const r2 = await send(app, token, whole(at(1)));
    record("unchanged", r2);
    const b = at(2, 42);
    const churnBody = whole(b);
    const r3 = await send(app, token, churnBody);
    record("churnWhole", r3);
    // The same churn back, as the agent would send it: B → A, as a delta.
    const from = canonical(b);
    const to = canonical(a);
    const header = { schemaVersion: 1, cluster, observedAt: minute(round, 3) };
    const delta = await deltaBody(cluster, minute(round, 3), from, to);
    const r4 = await send(app, token, delta);
    record("churnDelta", r4);
    // A → B again as a delta, in an app that never saw A: the base is read back from the database.
    const readBack = await deltaBody(cluster, minute(round, 4), to, from, changesBetween(to, from));
    const r5 = await send(createApp(options), token, readBack);
    record("churnDeltaReadBack", r5);
    // One node turns NotReady: a one-object delta that moves eligibility, so projections are recomputed.
    const [firstNode] = from.state.nodes;
    if (!firstNode) throw new Error("no node");
    const notReady = {
      nodes: { upsert: [{ ...firstNode, ready: false }], remove: [] },
      pods: { upsert: [], remove: [] },
    };
    const notReadyHash = stateHash({
      ...from.state,
      nodes: [{ ...firstNode, ready: false }, ...from.state.nodes.slice(1)],
    });
    const nodeDelta = await encodeDelta(
      { ...header, observedAt: minute(round, 5) },
      from.hash,
      notReadyHash,
      notReady,
    );
    const r6 = await send(app, token, nodeDelta);
    record("nodeDelta", r6);
    // The agent's heartbeat: nothing changed, an empty delta naming the state the API holds.
    const heartbeat = await heartbeatBody(cluster, minute(round, 6), notReadyHash);
    record("heartbeatDelta", await send(app, token, heartbeat));
    bytes.whole = churnBody.byteLength;
    bytes.delta = delta.byteLength;
    Object.assign(answers, {
      first: r1.answer,
      unchanged: r2.answer,
      churnWhole: r3.answer,
      churnDelta: r4.answer,
    });
  }
  const base = median(samples.floor ?? []);
  const figure = (key: string) => {
    const ms = median(samples[key] ?? []);
    const cpuMs = median(cpuSamples[key] ?? []);
    return { ms: +ms.toFixed(2), cpuMs: +cpuMs.toFixed(2), ratio: +(ms / base).toFixed(2) };
  };
  const churnWhole = median(samples.churnWhole ?? []);
  const churnDelta = median(samples.churnDelta ?? []);
  console.log(
    JSON.stringify(
      {
        database: url ? "postgres" : "pglite",
        nodes,
        pods: a0Pods(),
        rounds,
        floorMs: +base.toFixed(2),
        floorWithContract: figure("floorWithContract"),
        loadAverage: +(loadavg()[0] ?? 0).toFixed(1),
        firstPush: figure("first"),
        unchangedPush: figure("unchanged"),
        churnWholePush: figure("churnWhole"),
        churnDeltaPush: figure("churnDelta"),
        churnDeltaReadBackPush: figure("churnDeltaReadBack"),
        oneNodeDeltaPush: figure("nodeDelta"),
        heartbeatDeltaPush: figure("heartbeatDelta"),
        deltaVsWhole: {
          serverTimeTimesLess: +(churnWhole / churnDelta).toFixed(1),
          bytesTimesFewer: +(bytes.whole / bytes.delta).toFixed(1),
          wholeGzipBytes: bytes.whole,
          deltaGzipBytes: bytes.delta,
        },
        answers,
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      null,
      2,
    ),
  );
} finally {
  await drop();
}

function a0Pods(): number {
  return clusterSnapshot("x", nodes, "2026-11-27T10:00:00Z").pods.length;
}
