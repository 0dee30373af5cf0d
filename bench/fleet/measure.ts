/**
 * Interleaved timing: per case one warm-up of each side, then API, SQL, API, SQL … `runs` times.
 * A failed call (non-2xx, or no answer within the timeout) is recorded and the run goes on.
 */
import { performance } from "node:perf_hooks";
import type { Sql } from "postgres";
import type { BenchCase } from "./queries.js";
import type { ServerUnderTest } from "./server.js";

export interface SideResult {
  medianMs: number | null;
  p95Ms: number | null;
  failures: number;
  error?: string;
}

export interface CaseResult {
  name: string;
  /**
   * peakAboveIdleMiB: the server's peak RSS during the call above its RSS at rest after start;
   * growthMiB: the largest rise of one call over the RSS just before it (what the call itself needed).
   */
  api: SideResult & { bytes: number | null; peakAboveIdleMiB: number | null; growthMiB: number | null };
  sql: SideResult & { rows: number | null };
}

/** Nearest-rank percentile: with 9 runs, p95 is the slowest. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 10) / 10;
}

function summarise(timings: number[], failures: number, error: string | undefined): SideResult {
  const sorted = [...timings].sort((a, b) => a - b);
  return {
    medianMs: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    failures,
    ...(error ? { error } : {}),
  };
}

interface ApiAnswer {
  ms: number;
  bytes: number;
  beforeKb: number;
  peakKb: number;
}

async function callApi(server: ServerUnderTest, path: string, timeoutMs: number): Promise<ApiAnswer> {
  const start = performance.now();
  const { value, beforeKb, peakKb } = await server.peakDuring(async () => {
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.arrayBuffer();
    if (!response.ok) {
      throw new Error(`${response.status}: ${Buffer.from(body).toString("utf8").slice(0, 200)}`);
    }
    return body.byteLength;
  });
  return { ms: performance.now() - start, bytes: value, beforeKb, peakKb };
}

async function callSql(db: Sql, run: (db: Sql) => Promise<number>): Promise<{ ms: number; rows: number }> {
  const start = performance.now();
  const rows = await run(db);
  return { ms: performance.now() - start, rows };
}

export async function measureCase(
  server: ServerUnderTest,
  db: Sql,
  benchCase: BenchCase,
  options: { runs: number; timeoutMs: number; idleKb: number },
): Promise<CaseResult> {
  const api = {
    timings: [] as number[],
    failures: 0,
    error: undefined as string | undefined,
    bytes: 0,
    peakKb: 0,
    growthKb: 0,
  };
  const sql = { timings: [] as number[], failures: 0, error: undefined as string | undefined, rows: 0 };
  const apiOnce = async (record: boolean) => {
    try {
      const answer = await callApi(server, benchCase.path, options.timeoutMs);
      api.bytes = answer.bytes;
      api.peakKb = Math.max(api.peakKb, answer.peakKb);
      api.growthKb = Math.max(api.growthKb, answer.peakKb - answer.beforeKb);
      if (record) api.timings.push(answer.ms);
    } catch (error) {
      api.failures += 1;
      api.error = (error as Error).message;
    }
  };
  const sqlOnce = async (record: boolean) => {
    try {
      const answer = await callSql(db, benchCase.sql);
      sql.rows = answer.rows;
      if (record) sql.timings.push(answer.ms);
    } catch (error) {
      sql.failures += 1;
      sql.error = (error as Error).message;
    }
  };
  await apiOnce(false);
  await sqlOnce(false);
  for (let run = 0; run < options.runs; run++) {
    await apiOnce(true);
    await sqlOnce(true);
  }
  const answered = api.timings.length > 0 || api.bytes > 0;
  const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;
  return {
    name: benchCase.name,
    api: {
      ...summarise(api.timings, api.failures, api.error),
      bytes: answered ? api.bytes : null,
      peakAboveIdleMiB: answered ? mib(api.peakKb - options.idleKb) : null,
      growthMiB: answered ? mib(api.growthKb) : null,
    },
    sql: {
      ...summarise(sql.timings, sql.failures, sql.error),
      rows: sql.timings.length > 0 ? sql.rows : null,
    },
  };
}
