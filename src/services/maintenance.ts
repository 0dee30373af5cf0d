/**
 * Periodic upkeep (the Worker's cron trigger; any scheduler can call it on Node):
 * - prunes the `snapshots` push log past the retention. History lives in the *_versions tables and
 *   the /metrics counters on `clusters`, so the log is only an audit trail. The row a cluster's
 *   last_snapshot_id points to is always kept: ingest answers a retransmission with that id.
 * - prunes closed history past PORTOLAN_RETENTION_DAYS from every history table, in short batches
 *   (history-prune.ts); reads before the oldest instant kept answer AS_OF_BEYOND_RETENTION.
 * - reports staleness. Staleness is computed at read time from clusters.last_seen_at, so there is
 *   nothing to write; what a periodic job adds is the transition: clusters whose silence crossed
 *   the threshold since the previous run, logged once each so log-based alerting can page on them.
 */
import { and, asc, eq, inArray, isNull, lt, notExists } from "drizzle-orm";
import { clusters, snapshots } from "../db/schema/index.js";
import type { ServiceContext } from "./context.js";
import { type HistoryPruneOptions, type HistoryPruneReport, pruneHistory } from "./history-prune.js";
import { isStale } from "./staleness.js";

export interface MaintenanceOptions {
  /** the snapshot log's retention (PORTOLAN_SNAPSHOT_RETENTION_DAYS) */
  retentionDays: number;
  /** closed history's retention and batching (PORTOLAN_RETENTION_DAYS); omitted: history is not pruned */
  history?: HistoryPruneOptions;
  /** how often the job runs: staleness that began within one period is "newly stale" */
  intervalSeconds: number;
  /** rows deleted per statement: short statements keep ingest's row locks uncontended */
  batchSize?: number;
  /** cap per run so one run fits a cron invocation's time budget; the next run continues */
  maxBatches?: number;
}

export interface StaleCluster {
  name: string;
  /** null: registered, but no agent has pushed yet */
  lastSeenAt: string | null;
  silentSeconds: number;
}

export interface MaintenanceReport {
  /** snapshot log rows received before this instant were eligible */
  pruneCutoff: string;
  prunedSnapshots: number;
  /** true when maxBatches stopped the pruning: more rows are due */
  pruneIncomplete: boolean;
  /** the history prune's run (null: not configured) */
  history: HistoryPruneReport | null;
  stale: StaleCluster[];
  /** names of the stale clusters whose staleness began within the last interval */
  newlyStale: string[];
}

const DAY_MS = 86_400_000;

export async function pruneSnapshotLog(
  ctx: ServiceContext,
  options: Pick<MaintenanceOptions, "retentionDays" | "batchSize" | "maxBatches">,
): Promise<{ cutoff: Date; pruned: number; incomplete: boolean }> {
  const cutoff = new Date(ctx.now().getTime() - options.retentionDays * DAY_MS);
  const batchSize = options.batchSize ?? 5000;
  const maxBatches = options.maxBatches ?? 100;
  let pruned = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    // received_at (server clock), not observed_at: a backfilled old history must still be kept
    // for the retention period counted from when it arrived.
    const due = ctx.db
      .select({ id: snapshots.id })
      .from(snapshots)
      .where(
        and(
          lt(snapshots.receivedAt, cutoff),
          notExists(
            ctx.db
              .select({ one: clusters.id })
              .from(clusters)
              .where(eq(clusters.lastSnapshotId, snapshots.id)),
          ),
        ),
      )
      .orderBy(asc(snapshots.id))
      .limit(batchSize);
    const deleted = await ctx.db
      .delete(snapshots)
      .where(inArray(snapshots.id, due))
      .returning({ id: snapshots.id });
    pruned += deleted.length;
    if (deleted.length < batchSize) return { cutoff, pruned, incomplete: false };
  }
  return { cutoff, pruned, incomplete: true };
}

export async function staleClusters(
  ctx: ServiceContext,
  intervalSeconds: number,
): Promise<{ stale: StaleCluster[]; newlyStale: string[] }> {
  const rows = await ctx.db
    .select({ name: clusters.name, lastSeenAt: clusters.lastSeenAt, createdAt: clusters.createdAt })
    .from(clusters)
    .where(isNull(clusters.removedAt))
    .orderBy(clusters.name);
  const now = ctx.now().getTime();
  const stale: StaleCluster[] = [];
  const newlyStale: string[] = [];
  for (const row of rows) {
    if (!isStale(ctx, row)) continue;
    // A cluster that never pushed has been silent since it was registered.
    const silentSince = (row.lastSeenAt ?? row.createdAt).getTime();
    const staleSince = silentSince + ctx.config.staleAfterSeconds * 1000;
    stale.push({
      name: row.name,
      lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
      silentSeconds: Math.floor((now - silentSince) / 1000),
    });
    // Runs one interval apart cover (now - interval, now] each: every transition is reported once.
    if (staleSince <= now && staleSince > now - intervalSeconds * 1000) newlyStale.push(row.name);
  }
  return { stale, newlyStale };
}

export async function runMaintenance(
  ctx: ServiceContext,
  options: MaintenanceOptions,
): Promise<MaintenanceReport> {
  // Staleness first: its "within the last interval" is counted from this run's start, not its end.
  const { stale, newlyStale } = await staleClusters(ctx, options.intervalSeconds);
  const prune = await pruneSnapshotLog(ctx, options);
  const history = options.history ? await pruneHistory(ctx, options.history) : null;
  return {
    pruneCutoff: prune.cutoff.toISOString(),
    prunedSnapshots: prune.pruned,
    pruneIncomplete: prune.incomplete,
    history,
    stale,
    newlyStale,
  };
}
