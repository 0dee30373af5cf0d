import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import * as z from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { arrayLiteral } from "../db/bulk-insert.js";
import { rawRows } from "../db/raw.js";
import { clusters, podVersions, snapshots } from "../db/schema/index.js";
import { validAt } from "../db/validity.js";
import { latestAcceptedObservedAt, rollBackHistory } from "./cluster-clock.js";
import { findCluster, pageByName, selectionWhere } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { instantSchema, labelsSchema } from "./inputs.js";
import { requireRetained } from "./retention.js";
import { clockSkewSeconds, isStaleAt } from "./staleness.js";
import { hashToken, newToken } from "./tokens.js";

export const registerClusterInput = z.object({ name: clusterNameSchema, labels: labelsSchema.optional() });
/** rotateToken and remove */
export const clusterByNameInput = z.object({ name: clusterNameSchema });

/**
 * Registers a cluster, or brings back a removed one with its history (and its clock, unless that is
 * beyond what a push may carry: then the history is rolled back to now); the token is shown only here.
 */
export async function registerCluster(
  ctx: ServiceContext,
  input: z.output<typeof registerClusterInput>,
): Promise<{ name: string; token: string }> {
  const token = newToken("agent");
  const tokenHash = await hashToken(token);
  const labels = input.labels ?? {};
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: clusters.id, removedAt: clusters.removedAt, lastObservedAt: clusters.lastObservedAt })
      .from(clusters)
      .where(eq(clusters.name, input.name))
      .for("update");
    if (existing && existing.removedAt === null) {
      throw new ServiceError("CONFLICT", "CLUSTER_EXISTS", `cluster "${input.name}" is already registered`);
    }
    if (existing) {
      // A clock poisoned before removal would refuse every push of the new agent: roll it back.
      if (existing.lastObservedAt && existing.lastObservedAt > latestAcceptedObservedAt(ctx)) {
        await rollBackHistory(tx, existing.id, ctx.now());
        // Its open rows changed (and its hash is gone): nothing kept of it may serve a delta.
        ctx.baseStates?.forget(existing.id);
      }
      await tx
        .update(clusters)
        .set({ labels, tokenHash, removedAt: null })
        .where(eq(clusters.id, existing.id));
    } else {
      // ON CONFLICT: a concurrent registration of the same name loses cleanly instead of a 500.
      const inserted = await tx
        .insert(clusters)
        // The server's clock (not the database's): staleness of a never-pushed cluster counts from here.
        .values({ name: input.name, labels, tokenHash, createdAt: ctx.now() })
        .onConflictDoNothing()
        .returning({ id: clusters.id });
      if (inserted.length === 0) {
        throw new ServiceError("CONFLICT", "CLUSTER_EXISTS", `cluster "${input.name}" is already registered`);
      }
    }
    return { name: input.name, token };
  });
}

export async function rotateClusterToken(
  ctx: ServiceContext,
  name: string,
): Promise<{ name: string; token: string }> {
  const cluster = await findCluster(ctx.db, name);
  const token = newToken("agent");
  await ctx.db
    .update(clusters)
    .set({ tokenHash: await hashToken(token) })
    .where(eq(clusters.id, cluster.id));
  return { name, token };
}

/** Removal keeps the history (as-of queries still see it) and revokes the agent token. */
export async function removeCluster(
  ctx: ServiceContext,
  name: string,
): Promise<{ name: string; removedAt: string }> {
  const cluster = await findCluster(ctx.db, name);
  const removedAt = ctx.now();
  await ctx.db.update(clusters).set({ removedAt, tokenHash: null }).where(eq(clusters.id, cluster.id));
  return { name, removedAt: removedAt.toISOString() };
}

export const listClustersInput = z
  .object({
    limit: z.number().int().min(1).max(1000).default(200),
    /** the last name of the previous page */
    cursor: clusterNameSchema.optional(),
    labelSelector: labelsSchema.optional(),
    /** the fleet as it was then: each cluster's last push observed at or before it, stale judged then */
    asOf: instantSchema.optional(),
  })
  .default({ limit: 200 });

/**
 * One page of clusters by name. Counts and the clock skew come from one snapshot log row per cluster,
 * whatever its size: the last accepted one, or as of an instant the last one observed at or before it
 * (snapshots_cluster_observed_idx; before the log's retention a cluster shows no push). `pods` is the
 * state's pods (every pod the agent reports: host ports or host network, placed or Pending), the one
 * count the CLI and the dashboard show.
 */
export async function listClusters(ctx: ServiceContext, input: z.output<typeof listClustersInput>) {
  const asOf = input.asOf;
  requireRetained(ctx, "asOf", asOf);
  const log = asOf
    ? sql`LEFT JOIN LATERAL (
            SELECT s.node_count, s.pod_count, s.allocation_count, s.observed_at, s.received_at
            FROM ${snapshots} s WHERE s.cluster_id = ${clusters.id} AND s.observed_at <= ${asOf.toISOString()}::timestamptz
            ORDER BY s.observed_at DESC LIMIT 1) s ON true`
    : sql`LEFT JOIN ${snapshots} s ON s.id = ${clusters.lastSnapshotId}`;
  const where = and(
    selectionWhere({ labelSelector: input.labelSelector, asOf }),
    input.cursor === undefined ? undefined : gt(clusters.name, input.cursor),
  );
  const rows = await rawRows<{
    id: number;
    name: string;
    labels: Record<string, string>;
    createdAt: Date | string;
    lastSeenAt: Date | string | null;
    lastObservedAt: Date | string | null;
    nodes: number | null;
    pods: number | null;
    allocations: number | null;
    observedAt: Date | string | null;
    receivedAt: Date | string | null;
  }>(
    ctx.db,
    sql`SELECT ${clusters.id} AS id, ${clusters.name} AS name, ${clusters.labels} AS labels, ${clusters.createdAt} AS "createdAt",
          ${asOf ? sql`s.received_at` : clusters.lastSeenAt} AS "lastSeenAt",
          ${asOf ? sql`s.observed_at` : clusters.lastObservedAt} AS "lastObservedAt",
          s.node_count AS nodes, s.pod_count AS pods, s.allocation_count AS allocations,
          s.observed_at AS "observedAt", s.received_at AS "receivedAt"
        FROM ${clusters} ${log}
        WHERE ${where}
        ORDER BY ${clusters.name} LIMIT ${input.limit + 1}`,
  );
  const { page, nextCursor } = pageByName(rows, input.limit);
  const pending = await pendingPods(
    ctx,
    page.map((row) => row.id),
    asOf,
  );
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  const at = asOf ?? ctx.now();
  return {
    clusters: page.map((row) => {
      const createdAt = new Date(row.createdAt);
      const lastSeenAt = date(row.lastSeenAt);
      return {
        name: row.name,
        labels: row.labels,
        createdAt: createdAt.toISOString(),
        lastSeenAt: lastSeenAt?.toISOString() ?? null,
        lastObservedAt: date(row.lastObservedAt)?.toISOString() ?? null,
        stale: isStaleAt(ctx, { createdAt, lastSeenAt }, at),
        nodes: row.nodes ?? 0,
        pods: row.pods ?? 0,
        allocations: row.allocations ?? 0,
        pending: pending.get(row.id) ?? 0,
        clockSkewSeconds: clockSkewSeconds(date(row.observedAt), date(row.receivedAt)),
      };
    }),
    nextCursor,
  };
}

/**
 * Pods without a node (Pending, of every kind: DaemonSet pods too), per cluster of a page, now or as
 * of an instant: the unscheduled pods' partial indexes hold them, few whatever the cluster's size.
 */
async function pendingPods(ctx: ServiceContext, ids: readonly number[], asOf: Date | undefined) {
  if (ids.length === 0) return new Map<number, number>();
  const rows = await ctx.db
    .select({ clusterId: podVersions.clusterId, pods: count() })
    .from(podVersions)
    .where(
      and(
        sql`${podVersions.clusterId} = ANY(${arrayLiteral(ids)}::int[])`,
        isNull(podVersions.node),
        validAt(podVersions, asOf),
      ),
    )
    .groupBy(podVersions.clusterId);
  return new Map(rows.map((r) => [r.clusterId, Number(r.pods)]));
}
