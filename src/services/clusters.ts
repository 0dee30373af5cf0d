import { and, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { clusters, snapshots } from "../db/schema/index.js";
import { latestAcceptedObservedAt, rollBackHistory } from "./cluster-clock.js";
import { findCluster, pageByName, selectionWhere } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { labelsSchema } from "./inputs.js";
import { clockSkewSeconds, isStale } from "./staleness.js";
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
  })
  .default({ limit: 200 });

/**
 * One page of clusters by name. Counts and the clock skew come from the last accepted snapshot's log
 * row: one row per cluster, whatever its size.
 */
export async function listClusters(ctx: ServiceContext, input: z.output<typeof listClustersInput>) {
  const rows = await ctx.db
    .select({
      name: clusters.name,
      labels: clusters.labels,
      createdAt: clusters.createdAt,
      lastSeenAt: clusters.lastSeenAt,
      lastObservedAt: clusters.lastObservedAt,
      nodes: snapshots.nodeCount,
      pods: snapshots.podCount,
      allocations: snapshots.allocationCount,
      observedAt: snapshots.observedAt,
      receivedAt: snapshots.receivedAt,
    })
    .from(clusters)
    .leftJoin(snapshots, eq(snapshots.id, clusters.lastSnapshotId))
    .where(
      and(
        selectionWhere({ labelSelector: input.labelSelector }),
        input.cursor === undefined ? undefined : gt(clusters.name, input.cursor),
      ),
    )
    .orderBy(clusters.name)
    .limit(input.limit + 1);
  const { page, nextCursor } = pageByName(rows, input.limit);
  return {
    clusters: page.map((row) => ({
      name: row.name,
      labels: row.labels,
      createdAt: row.createdAt.toISOString(),
      lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
      lastObservedAt: row.lastObservedAt?.toISOString() ?? null,
      stale: isStale(ctx, row),
      nodes: row.nodes ?? 0,
      pods: row.pods ?? 0,
      allocations: row.allocations ?? 0,
      clockSkewSeconds: clockSkewSeconds(row.observedAt, row.receivedAt),
    })),
    nextCursor,
  };
}
