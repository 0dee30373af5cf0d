/**
 * History retention's pruning: versions closed before the oldest instant kept (domain/retention.ts)
 * are deleted from every history table of the registry, state tables and projections alike, a short
 * statement at a time with a pause between them, so pushes and reads keep their turns. Open rows are
 * never touched (valid_to < cutoff is false for NULL), and nothing a read at or after the cutoff uses
 * goes: such a read only touches versions whose valid_to is after its instant (db/validity.ts).
 *
 * Each statement deletes at most `batchSize` rows of one table, found through the table's
 * (cluster_id, valid_from, valid_to) as-of index, one descent per cluster (cluster_id = ANY(…)):
 * valid_to < cutoff implies valid_from < cutoff, which bounds the scan to the versions begun before
 * the cutoff (once pruned, about one state of each cluster: those still valid at it), with valid_to
 * checked in the index. No index on valid_to alone: it would grow every table by an entry per closed
 * version for a job that runs every 15 minutes. A run when nothing is due is one statement per table.
 *
 * Then the pod templates (pod_templates) no pod version refers to any more, open or closed, are
 * deleted, at most `batchSize` per transaction of two statements: the first locks unreferenced
 * candidates (skipping any a push holds: ingest locks every stored template it refers to), the
 * second deletes those that, in its own later snapshot, still no version refers to. A push that
 * refers to a candidate either committed before the lock (the second statement sees its versions) or
 * waits for the deletion and then stores the template again (ingest-sql.ts, podTemplateInsert).
 */
import { type SQL, sql } from "drizzle-orm";
import { rawRows } from "../db/raw.js";
import { clusters, podTemplates, podVersions } from "../db/schema/index.js";
import { retentionCutoff } from "../domain/retention.js";
import type { ServiceContext } from "./context.js";
import { type HistoryTable, historyTables, type PerTable, perTable } from "./history-tables.js";

export interface HistoryPruneOptions {
  retentionDays: number;
  /** rows deleted per statement; default 2,000 */
  batchSize?: number;
  /** pause between statements, in ms: other work's turn; default 20 */
  pauseMs?: number;
  /** statements that delete rows, per run; the next run continues; default 1,000 */
  maxBatches?: number;
  /** no statement starts after this long, so a run fits a cron invocation; default 60 s */
  maxDurationMs?: number;
}

export interface HistoryPruneReport {
  /** versions closed before this instant were due */
  cutoff: string;
  pruned: PerTable<number>;
  /** pod templates deleted: no pod version referred to them any more */
  podTemplates: number;
  total: number;
  /** DELETE statements that deleted rows */
  batches: number;
  /** DELETE statements run (one per table, per 500 clusters, at least) */
  statements: number;
  durationMs: number;
  /** true when maxBatches or maxDurationMs stopped the run: more rows are due */
  incomplete: boolean;
}

export interface BatchLimits {
  batchSize: number;
  maxBatches: number;
  /** true once no further batch may start */
  expired: () => boolean;
  pause: () => Promise<void>;
}

/**
 * Runs `deleteBatch(target, batchSize)` for each target until it deletes fewer than batchSize rows
 * (that target is done). A statement that deleted rows is followed by a pause and counts towards
 * maxBatches; one that found nothing (most targets, most runs) held no row lock and goes on at once.
 * Stops early (incomplete) at maxBatches or when the time is up. Returns the rows deleted per target.
 */
export async function pruneInBatches<T>(
  targets: readonly T[],
  deleteBatch: (target: T, limit: number) => Promise<number>,
  limits: BatchLimits,
): Promise<{ deleted: number[]; batches: number; statements: number; incomplete: boolean }> {
  const deleted = targets.map(() => 0);
  let batches = 0;
  let statements = 0;
  let pauseDue = false;
  for (const [i, target] of targets.entries()) {
    for (;;) {
      if (batches >= limits.maxBatches || limits.expired())
        return { deleted, batches, statements, incomplete: true };
      if (pauseDue) await limits.pause();
      const n = await deleteBatch(target, limits.batchSize);
      statements++;
      pauseDue = n > 0;
      if (n > 0) batches++;
      deleted[i] = (deleted[i] ?? 0) + n;
      if (n < limits.batchSize) break;
    }
  }
  return { deleted, batches, statements, incomplete: false };
}

const pause = (ms: number) => () =>
  ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

/** Clusters one statement covers: its id list stays a small parameter. */
const CLUSTERS_PER_STATEMENT = 500;

/** The query that finds up to `limit` versions of the clusters closed before the cutoff (also EXPLAINed by the bench). */
export function closedBeforeIds(
  h: HistoryTable,
  clusterIds: readonly number[],
  cutoff: Date,
  limit: number,
): SQL {
  const t = h.table;
  const at = sql`${cutoff.toISOString()}::timestamptz`;
  return sql`SELECT ${t.id} FROM ${t}
    WHERE ${t.clusterId} = ANY(${`{${clusterIds.join(",")}}`}::int[]) AND ${t.validFrom} < ${at} AND ${t.validTo} < ${at}
    LIMIT ${limit}`;
}

/** One statement: at most `limit` versions of these clusters in one table, closed before the cutoff. */
async function deleteClosedBefore(
  ctx: ServiceContext,
  h: HistoryTable,
  clusterIds: readonly number[],
  cutoff: Date,
  limit: number,
) {
  const [row] = await rawRows<{ n: number }>(
    ctx.db,
    sql`WITH gone AS (
          DELETE FROM ${h.table} WHERE ${h.table.id} IN (${closedBeforeIds(h, clusterIds, cutoff, limit)})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
  );
  return Number(row?.n ?? 0);
}

/**
 * One transaction: at most `limit` pod templates of these clusters that no pod version refers to,
 * locked (skipping locked ones), then deleted if still unreferenced in the second statement's snapshot.
 */
async function deleteUnreferencedTemplates(
  ctx: ServiceContext,
  clusterIds: readonly number[],
  limit: number,
) {
  const ids = `{${clusterIds.join(",")}}`;
  const unreferenced = sql`NOT EXISTS (SELECT 1 FROM ${podVersions} p
      WHERE p.cluster_id = t.cluster_id AND p.template_fp = t.fp)`;
  return ctx.db.transaction(async (tx) => {
    const candidates = await rawRows<{ cluster_id: number; fp: string }>(
      tx,
      sql`SELECT t.cluster_id, t.fp::text AS fp FROM ${podTemplates} t
        WHERE t.cluster_id = ANY(${ids}::int[]) AND ${unreferenced}
        LIMIT ${limit} FOR UPDATE OF t SKIP LOCKED`,
    );
    if (candidates.length === 0) return 0;
    const [row] = await rawRows<{ n: number }>(
      tx,
      sql`WITH gone AS (
            DELETE FROM ${podTemplates} t
            USING unnest(${`{${candidates.map((c) => c.cluster_id).join(",")}}`}::int[],
                         ${`{${candidates.map((c) => c.fp).join(",")}}`}::bigint[]) AS c(cluster_id, fp)
            WHERE t.cluster_id = c.cluster_id AND t.fp = c.fp AND ${unreferenced}
            RETURNING 1)
          SELECT count(*)::int AS n FROM gone`,
    );
    return Number(row?.n ?? 0);
  });
}

export async function pruneHistory(
  ctx: ServiceContext,
  options: HistoryPruneOptions,
): Promise<HistoryPruneReport> {
  const started = Date.now();
  const cutoff = retentionCutoff(ctx.now(), options.retentionDays);
  const maxDurationMs = options.maxDurationMs ?? 60_000;
  // Removed clusters too: their closed versions age like any other.
  const ids = (await ctx.db.select({ id: clusters.id }).from(clusters).orderBy(clusters.id)).map((c) => c.id);
  const groups: number[][] = [];
  for (let i = 0; i < ids.length; i += CLUSTERS_PER_STATEMENT)
    groups.push(ids.slice(i, i + CLUSTERS_PER_STATEMENT));
  // The templates come last: the pod versions that referred to them are gone by then.
  const targets = [
    ...historyTables.flatMap((h) => groups.map((clusterIds) => ({ h, clusterIds }))),
    ...groups.map((clusterIds) => ({ h: null, clusterIds })),
  ];
  const run = await pruneInBatches(
    targets,
    ({ h, clusterIds }, limit) =>
      h
        ? deleteClosedBefore(ctx, h, clusterIds, cutoff, limit)
        : deleteUnreferencedTemplates(ctx, clusterIds, limit),
    {
      batchSize: options.batchSize ?? 2000,
      maxBatches: options.maxBatches ?? 1000,
      expired: () => Date.now() - started >= maxDurationMs,
      pause: pause(options.pauseMs ?? 20),
    },
  );
  const pruned = perTable(() => 0);
  let templates = 0;
  for (const [i, { h }] of targets.entries()) {
    if (h) pruned[h.name] += run.deleted[i] ?? 0;
    else templates += run.deleted[i] ?? 0;
  }
  return {
    cutoff: cutoff.toISOString(),
    pruned,
    podTemplates: templates,
    total: Object.values(pruned).reduce((a, b) => a + b, 0),
    batches: run.batches,
    statements: run.statements,
    durationMs: Date.now() - started,
    incomplete: run.incomplete,
  };
}
