/**
 * `npm run bench:retention`: history storage per cluster-day at the bench fleet's shape, and what the
 * history prune (src/services/history-prune.ts) does to reads while it runs. Builds its own fleet
 * database on the PostgreSQL of DATABASE_URL (bench/fleet/build.ts) and drops it at the end.
 *   --clusters 10 --nodes 50 --days 4   fleet size (the --quick shape of bench:fleet, one day deeper)
 *   --retention 2                       days kept: the older part is pruned
 *   --chunks 12                         prune slices, each followed by an idle slice (interleaved)
 *   --batch 2000                        rows per pruning statement (PORTOLAN_RETENTION_BATCH_ROWS)
 *   --out bench/results-retention.json
 * Reads go through the real server (a child process); the prune runs here, on its own connection,
 * as the maintenance job would. Latency: medians of the same reads in alternating idle and pruning
 * slices of one run, so the machine's drift hits both alike. docs/performance.md ("Retention").
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { createPostgresDatabase } from "../src/db/postgres.js";
import { rawRows } from "../src/db/raw.js";
import type { ServiceContext } from "../src/services/context.js";
import { closedBeforeIds, pruneHistory } from "../src/services/history-prune.js";
import { historyTables, tableName } from "../src/services/history-tables.js";
import { dropFleet, type FleetSize, prepareFleet } from "./fleet/build.js";
import { clusterSpec, fleetPorts } from "./fleet/generate.js";
import { startServer } from "./fleet/server.js";

const { values: args } = parseArgs({
  options: {
    clusters: { type: "string", default: "10" },
    nodes: { type: "string", default: "50" },
    days: { type: "string", default: "4" },
    retention: { type: "string", default: "2" },
    chunks: { type: "string", default: "12" },
    batch: { type: "string", default: "2000" },
    out: { type: "string", default: "bench/results-retention.json" },
  },
});
const size: FleetSize = {
  clusters: Number(args.clusters),
  nodes: Number(args.nodes),
  days: Number(args.days),
};
const retentionDays = Number(args.retention);
const chunks = Number(args.chunks);
const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const log = (line: string) => console.error(`[bench:retention] ${line}`);
const DAY = 86_400_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? (s[m] as number)
      : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function historyBytes(db: postgres.Sql) {
  const perTable: Record<string, number> = {};
  // The pods' templates are a part of their history (src/db/schema/history.ts, pod_templates).
  for (const t of [...historyTables.map(tableName), "pod_templates"]) {
    const [row] = await db<{ bytes: string }[]>`SELECT pg_total_relation_size(${t}::regclass) AS bytes`;
    perTable[t] = Number(row?.bytes ?? 0);
  }
  return { perTable, total: Object.values(perTable).reduce((a, b) => a + b, 0) };
}

async function rowCounts(db: postgres.Sql, cutoff: Date) {
  let open = 0;
  let due = 0;
  let all = 0;
  for (const t of historyTables.map(tableName)) {
    const [row] = await db.unsafe<{ open: string; due: string; all: string }[]>(
      `SELECT count(*) FILTER (WHERE valid_to IS NULL) AS open,
              count(*) FILTER (WHERE valid_to < '${cutoff.toISOString()}') AS due, count(*) AS all FROM ${t}`,
    );
    open += Number(row?.open ?? 0);
    due += Number(row?.due ?? 0);
    all += Number(row?.all ?? 0);
  }
  return { open, due, all };
}

log(
  `fleet ${size.clusters} clusters × ${size.nodes} nodes × ${size.days} days; retention ${retentionDays} days`,
);
const fleet = await prepareFleet(serverUrl, size, { reuse: false, log });
const db = postgres(fleet.url, { max: 1, onnotice: () => {} });
const handle = createPostgresDatabase(fleet.url, { max: 2 });
const server = await startServer(fleet.url, log);
const result: Record<string, unknown> = { size, retentionDays, now: fleet.now.toISOString() };
try {
  const cutoff = new Date(fleet.now.getTime() - retentionDays * DAY);
  const clusterDays = size.clusters * size.days;
  const before = await historyBytes(db);
  const rowsBefore = await rowCounts(db, cutoff);
  log(
    `history ${before.total} bytes, ${Math.round(before.total / clusterDays)} per cluster-day; rows ${JSON.stringify(rowsBefore)}`,
  );

  // The reads a dashboard and a CLI user make on recent history, answered through the server.
  const recent = new Date(fleet.now.getTime() - DAY / 2).toISOString();
  const q = (procedure: string, input: unknown) =>
    `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const reads = {
    "ports.map asOf 12h ago": q("ports.map", { cluster: clusterSpec(0).name, asOf: recent }),
    "ports.who 9100 asOf 12h ago": q("ports.who", { hostPort: fleetPorts.exporter, asOf: recent }),
    "trends.allocations last 24h": q("trends.allocations", {
      from: new Date(fleet.now.getTime() - DAY).toISOString(),
      to: fleet.now.toISOString(),
      step: "1h",
    }),
    "capacity.headroom now": q("capacity.headroom", {}),
  };
  const timings: Record<string, { idle: number[]; pruning: number[] }> = Object.fromEntries(
    Object.keys(reads).map((name) => [name, { idle: [], pruning: [] }]),
  );
  const readOnce = async (phase: "idle" | "pruning") => {
    for (const [name, path] of Object.entries(reads)) {
      const start = performance.now();
      const res = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${name}: ${res.status}`);
      timings[name]?.[phase].push(performance.now() - start);
    }
  };
  for (let i = 0; i < 3; i++) await readOnce("idle"); // warm-up, not counted
  for (const t of Object.values(timings)) t.idle.length = 0;

  // Which index each table's pruning query takes (the access path, not its cost).
  const ids = (await db<{ id: number }[]>`SELECT id FROM clusters ORDER BY id`).map((r) => r.id);
  const plans: Record<string, string> = {};
  for (const h of historyTables) {
    const lines = await rawRows<{ "QUERY PLAN": string }>(
      handle.db,
      sql`EXPLAIN ${closedBeforeIds(h, ids, cutoff, 2000)}`,
    );
    plans[tableName(h)] = lines
      .map((l) => l["QUERY PLAN"].trim())
      .filter((l) => /Scan/.test(l))
      .join(" / ");
  }
  log(`plans: ${JSON.stringify(plans, null, 1)}`);
  result.plans = plans;

  const ctx: ServiceContext = {
    db: handle.db,
    config: { staleAfterSeconds: 600, maxClockSkewSeconds: 300, historyRetentionDays: retentionDays },
    now: () => fleet.now,
  };
  const batchSize = Number(args.batch);
  const maxBatches = Math.max(1, Math.ceil(rowsBefore.due / batchSize / chunks));
  const runs: {
    total: number;
    batches: number;
    statements: number;
    durationMs: number;
    readsDuring: number;
  }[] = [];
  for (let chunk = 0; chunk < chunks * 3; chunk++) {
    await readOnce("idle");
    let done = false;
    const prune = pruneHistory(ctx, { retentionDays, batchSize, maxBatches, pauseMs: 20 }).finally(() => {
      done = true;
    });
    let readsDuring = 0;
    while (!done) {
      await readOnce("pruning");
      readsDuring++;
    }
    const report = await prune;
    runs.push({ ...report, readsDuring });
    log(
      `slice ${chunk}: pruned ${report.total} in ${report.durationMs} ms, ${readsDuring} read rounds during`,
    );
    if (!report.incomplete) break;
  }
  // The steady state: every 15-minute run when nothing (or little) is due probes each cluster and table.
  const idleRuns: number[] = [];
  for (let i = 0; i < 5; i++)
    idleRuns.push((await pruneHistory(ctx, { retentionDays, pauseMs: 20 })).durationMs);

  const rowsAfter = await rowCounts(db, cutoff);
  await db.unsafe("VACUUM (ANALYZE)");
  const afterVacuum = await historyBytes(db);
  await db.unsafe("VACUUM (FULL, ANALYZE)");
  const afterFull = await historyBytes(db);
  const pruned = runs.reduce((a, r) => a + r.total, 0);
  const pruneMs = runs.reduce((a, r) => a + r.durationMs, 0);
  const latency = Object.fromEntries(
    Object.entries(timings).map(([name, t]) => [
      name,
      {
        idleMedianMs: round(median(t.idle)),
        pruningMedianMs: round(median(t.pruning)),
        ratio: round(median(t.pruning) / median(t.idle), 2),
        samples: { idle: t.idle.length, pruning: t.pruning.length },
      },
    ]),
  );
  Object.assign(result, {
    rowsBefore,
    rowsAfter,
    bytes: {
      before: before.total,
      perClusterDayBefore: Math.round(before.total / clusterDays),
      afterPruneAndVacuum: afterVacuum.total,
      afterVacuumFull: afterFull.total,
      perClusterDayKeptAfterVacuumFull: Math.round(afterFull.total / (size.clusters * retentionDays)),
      perTableBefore: before.perTable,
      perTableAfterVacuumFull: afterFull.perTable,
    },
    prune: {
      rows: pruned,
      ms: pruneMs,
      rowsPerSecond: Math.round(pruned / (pruneMs / 1000)),
      slices: runs.length,
      batchSize,
      maxBatchesPerSlice: maxBatches,
      nothingDueRunMedianMs: median(idleRuns),
      statementsPerRunWhenNothingDue: historyTables.length * Math.ceil(size.clusters / 500),
    },
    latency,
  });
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.stop();
  await handle.close();
  await db.end();
  await dropFleet(serverUrl, fleet.database);
  log(`dropped ${fleet.database}`);
}
