/**
 * The cluster's clock (its last accepted observedAt) and the way out when it was poisoned: a push
 * from the far future makes every later push stale, so the history is rolled back to an instant.
 */
import { and, desc, eq, lte, type SQL, sql } from "drizzle-orm";
import * as z from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { clusters, snapshots } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { selectionWhere } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";
import { notFound, ServiceError } from "./errors.js";
import { historyTables, type PerTable, perTable } from "./history-tables.js";
import { instantSchema } from "./inputs.js";
import { requireRetained } from "./retention.js";

/** The latest instant the server accepts as observedAt: its clock plus the allowed skew. */
export function latestAcceptedObservedAt(ctx: ServiceContext): Date {
  return new Date(ctx.now().getTime() + ctx.config.maxClockSkewSeconds * 1000);
}

async function countOf(tx: Db, query: SQL): Promise<number> {
  const [row] = await rawRows<{ n: number }>(tx, query);
  return Number(row?.n ?? 0);
}

export interface ClockReset {
  /** versions opened after the instant, deleted, per history table (src/services/history-tables.ts) */
  deleted: PerTable<number>;
  /** versions closed after the instant, open again */
  reopened: PerTable<number>;
  snapshotsRemoved: number;
  lastObservedAt: string | null;
}

/**
 * Brings one cluster's history back to what it was at `at`; the caller holds the cluster row lock.
 * Deleting the versions opened after `at` comes before reopening the ones closed after it: then at
 * most one version per key covers `at`, so the unique open-key indexes hold after every statement.
 * Pod templates stay: a reopened version's template is still stored (the prune deletes only those no
 * version refers to), and one that only deleted versions used goes with the next prune.
 */
export async function rollBackHistory(tx: Db, clusterId: number, at: Date): Promise<ClockReset> {
  const instant = at.toISOString();
  const deleted = perTable(() => 0);
  const reopened = perTable(() => 0);
  for (const { name, table } of historyTables) {
    deleted[name] = await countOf(
      tx,
      sql`WITH gone AS (DELETE FROM ${table} WHERE ${table.clusterId} = ${clusterId}
            AND ${table.validFrom} > ${instant} RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    );
  }
  for (const { name, table } of historyTables) {
    reopened[name] = await countOf(
      tx,
      sql`WITH back AS (UPDATE ${table} SET valid_to = NULL WHERE ${table.clusterId} = ${clusterId}
            AND ${table.validTo} > ${instant} RETURNING 1) SELECT count(*)::int AS n FROM back`,
    );
  }
  const snapshotsRemoved = await countOf(
    tx,
    sql`WITH gone AS (DELETE FROM ${snapshots} WHERE ${snapshots.clusterId} = ${clusterId}
          AND ${snapshots.observedAt} > ${instant} RETURNING 1) SELECT count(*)::int AS n FROM gone`,
  );
  const [lastLogged] = await tx
    .select({ id: snapshots.id, observedAt: snapshots.observedAt })
    .from(snapshots)
    .where(and(eq(snapshots.clusterId, clusterId), lte(snapshots.observedAt, at)))
    .orderBy(desc(snapshots.observedAt))
    .limit(1);
  // The log is pruned, the history is not: the clock is the latest instant either of them still holds.
  const lastObservedAt = latest([lastLogged?.observedAt ?? null, await latestHistoryInstant(tx, clusterId)]);
  await tx
    .update(clusters)
    .set({
      lastObservedAt,
      // No hash: the next push is diffed in full against the rolled-back history.
      lastSnapshotHash: null,
      lastSnapshotId: lastLogged?.id ?? null,
    })
    .where(eq(clusters.id, clusterId));
  return { deleted, reopened, snapshotsRemoved, lastObservedAt: lastObservedAt?.toISOString() ?? null };
}

async function latestHistoryInstant(tx: Db, clusterId: number): Promise<Date | null> {
  const parts = historyTables.map(
    ({ table }) =>
      sql`SELECT max(greatest(${table.validFrom}, ${table.validTo})) AS at FROM ${table} WHERE ${table.clusterId} = ${clusterId}`,
  );
  const [row] = await rawRows<{ at: Date | string | null }>(
    tx,
    sql`SELECT max(at) AS at FROM (${sql.join(parts, sql` UNION ALL `)}) instants`,
  );
  return row?.at ? new Date(row.at) : null;
}

function latest(instants: (Date | null)[]): Date | null {
  return instants.reduce<Date | null>((a, b) => (b && (!a || b > a) ? b : a), null);
}

export const resetClockInput = z.object({ name: clusterNameSchema, to: instantSchema.optional() });

/** Admin way out for a cluster whose clock was poisoned by a push from the future. */
export async function resetClusterClock(ctx: ServiceContext, input: z.output<typeof resetClockInput>) {
  const now = ctx.now();
  const to = input.to ?? now;
  if (to.getTime() > now.getTime()) {
    throw new ServiceError(
      "BAD_REQUEST",
      "RESET_IN_FUTURE",
      `"to" (${to.toISOString()}) is after the server's time (${now.toISOString()})`,
    );
  }
  // Rolling back to before the oldest instant kept would reopen a state whose closed part is pruned.
  requireRetained(ctx, "to", to);
  return ctx.db.transaction(async (tx) => {
    const [cluster] = await tx
      .select({ id: clusters.id })
      .from(clusters)
      // findCluster's rule (only a registered cluster), with the row lock the rollback needs.
      .where(selectionWhere({ clusters: [input.name] }))
      .for("update");
    if (!cluster) throw notFound(`cluster "${input.name}"`);
    const rolledBack = await rollBackHistory(tx, cluster.id, to);
    // Its open rows changed (and its hash is gone, which refuses deltas in every process): nothing
    // this process kept of it may serve a delta.
    ctx.baseStates?.forget(cluster.id);
    return { name: input.name, to: to.toISOString(), ...rolledBack };
  });
}
