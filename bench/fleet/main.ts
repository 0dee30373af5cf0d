/**
 * `npm run bench:fleet`: builds (or reuses) a fleet on the PostgreSQL in DATABASE_URL and times every
 * read procedure through the real HTTP server beside the bare SQL for the same question.
 *   --clusters 200 --nodes 500 --days 30   fleet size (the fleet)
 *   --quick                                10 × 50 × 3 days, 3 runs: a few minutes on 2 cores
 *   --runs 9                               timed repetitions per call, after one warm-up
 *   --reuse                                keep a completed fleet database of this size between runs
 *   --drop                                 remove the fleet database at the end
 *   --timeout 120                          seconds before a call counts as failed
 *   --only map,portMap                     only the calls whose name contains one of these
 *   --out bench/results-fleet.json
 * docs/performance.md ("Fleet") describes the method.
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { dropFleet, type FleetSize, prepareFleet } from "./build.js";
import { type CaseResult, measureCase } from "./measure.js";
import { benchCases } from "./queries.js";
import { startServer } from "./server.js";

const { values: args } = parseArgs({
  options: {
    clusters: { type: "string" },
    nodes: { type: "string" },
    days: { type: "string" },
    runs: { type: "string" },
    timeout: { type: "string", default: "120" },
    out: { type: "string", default: "bench/results-fleet.json" },
    quick: { type: "boolean", default: false },
    reuse: { type: "boolean", default: false },
    drop: { type: "boolean", default: false },
    only: { type: "string" },
  },
});

function positive(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${flag} wants a positive integer, got "${text}"`);
  return value;
}

const base = args.quick
  ? { clusters: 10, nodes: 50, days: 3, runs: 3 }
  : { clusters: 200, nodes: 500, days: 30, runs: 9 };
const size: FleetSize = {
  clusters: positive(args.clusters, base.clusters, "clusters"),
  nodes: positive(args.nodes, base.nodes, "nodes"),
  days: positive(args.days, base.days, "days"),
};
const runs = positive(args.runs, base.runs, "runs");
const timeoutMs = positive(args.timeout, 120, "timeout") * 1000;
const serverUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const log = (line: string) => console.error(`[bench:fleet] ${line}`);

log(`fleet ${size.clusters} clusters × ${size.nodes} nodes × ${size.days} days, ${runs} runs`);
const fleet = await prepareFleet(serverUrl, size, { reuse: args.reuse, log });
log(
  `${fleet.reused ? "reusing" : "built"} ${fleet.database}` +
    (fleet.buildSeconds ? ` in ${JSON.stringify(fleet.buildSeconds)} s` : ""),
);
for (const c of fleet.counts) log(`  ${c.table}: ${c.open} open, ${c.closed} closed`);

const server = await startServer(fleet.url, log);
const db = postgres(fleet.url, {
  max: 1,
  onnotice: () => {},
  connection: { statement_timeout: timeoutMs },
});
const results: CaseResult[] = [];
let idleKb = 0;
try {
  await fetch(`${server.url}/readyz`);
  idleKb = server.rssKb();
  log(`server pid ${server.pid} idle at ${Math.round(idleKb / 1024)} MiB`);
  const only = args.only?.split(",").filter((part) => part !== "");
  const chosen = benchCases(size, fleet.now).filter(
    (c) => only === undefined || only.some((part) => c.name.includes(part)),
  );
  for (const benchCase of chosen) {
    const result = await measureCase(server, db, benchCase, { runs, timeoutMs, idleKb });
    results.push(result);
    log(`${benchCase.name}: API ${result.api.medianMs} ms, SQL ${result.sql.medianMs} ms`);
  }
} finally {
  await db.end();
  await server.stop();
}

const cell = (v: number | null) => (v === null ? "—" : String(v));
const header = [
  "call",
  "API median ms",
  "API p95 ms",
  "SQL median ms",
  "SQL p95 ms",
  "answer KB",
  "peak MiB > idle",
  "growth MiB",
  "failed",
];
const rows = results.map((r) => [
  r.name,
  cell(r.api.medianMs),
  cell(r.api.p95Ms),
  cell(r.sql.medianMs),
  cell(r.sql.p95Ms),
  r.api.bytes === null ? "—" : (r.api.bytes / 1024).toFixed(1),
  cell(r.api.peakAboveIdleMiB),
  cell(r.api.growthMiB),
  r.api.failures + r.sql.failures > 0 ? `${r.api.failures} API / ${r.sql.failures} SQL` : "",
]);
console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
for (const r of results) {
  if (r.api.error) console.log(`${r.name}: API failed: ${r.api.error}`);
  if (r.sql.error) console.log(`${r.name}: SQL failed: ${r.sql.error}`);
}

writeFileSync(
  args.out,
  `${JSON.stringify(
    {
      size,
      runs,
      now: fleet.now.toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? null,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
      },
      node: process.version,
      database: fleet.database,
      reused: fleet.reused,
      buildSeconds: fleet.buildSeconds ?? null,
      rows: fleet.counts,
      serverIdleMiB: Math.round(idleKb / 1024),
      results,
    },
    null,
    2,
  )}\n`,
);
log(`wrote ${args.out}`);
if (args.drop) {
  await dropFleet(serverUrl, fleet.database);
  log(`dropped ${fleet.database}`);
}
