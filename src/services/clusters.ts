import { and, eq, isNull, sql } from "drizzle-orm";
import { clusters, snapshots } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import type { ServiceContext } from "./context.js";
import { notFound, ServiceError } from "./errors.js";
import { hashToken, newToken } from "./tokens.js";

export interface ClusterRow {
  id: number;
  name: string;
  labels: Record<string, string>;
  lastSeenAt: Date | null;
  lastObservedAt: Date | null;
  removedAt: Date | null;
}

export function isStale(ctx: ServiceContext, lastSeenAt: Date | null): boolean {
  return (
    lastSeenAt === null || ctx.now().getTime() - lastSeenAt.getTime() > ctx.config.staleAfterSeconds * 1000
  );
}

const clusterRowColumns = {
  id: clusters.id,
  name: clusters.name,
  labels: clusters.labels,
  lastSeenAt: clusters.lastSeenAt,
  lastObservedAt: clusters.lastObservedAt,
  removedAt: clusters.removedAt,
};

/** A registered (not removed) cluster by name, or NOT_FOUND. */
export async function activeCluster(db: Db, name: string): Promise<ClusterRow> {
  const [row] = await db
    .select(clusterRowColumns)
    .from(clusters)
    .where(and(eq(clusters.name, name), isNull(clusters.removedAt)));
  if (!row) throw notFound(`cluster "${name}"`);
  return row;
}

/** Registers a cluster, or brings back a removed one with its history; the token is shown only here. */
export async function registerCluster(
  ctx: ServiceContext,
  input: { name: string; labels?: Record<string, string> },
): Promise<{ name: string; token: string }> {
  const token = newToken("agent");
  const tokenHash = await hashToken(token);
  const labels = input.labels ?? {};
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: clusters.id, removedAt: clusters.removedAt })
      .from(clusters)
      .where(eq(clusters.name, input.name))
      .for("update");
    if (existing && existing.removedAt === null) {
      throw new ServiceError("CONFLICT", "CLUSTER_EXISTS", `cluster "${input.name}" is already registered`);
    }
    if (existing) {
      await tx
        .update(clusters)
        .set({ labels, tokenHash, removedAt: null })
        .where(eq(clusters.id, existing.id));
    } else {
      // ON CONFLICT: a concurrent registration of the same name loses cleanly instead of a 500.
      const inserted = await tx
        .insert(clusters)
        .values({ name: input.name, labels, tokenHash })
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
  const cluster = await activeCluster(ctx.db, name);
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
  const cluster = await activeCluster(ctx.db, name);
  const removedAt = ctx.now();
  await ctx.db.update(clusters).set({ removedAt, tokenHash: null }).where(eq(clusters.id, cluster.id));
  return { name, removedAt: removedAt.toISOString() };
}

/** Counts come from the last accepted snapshot's log row: one row per cluster, whatever its size. */
export async function listClusters(ctx: ServiceContext) {
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
    })
    .from(clusters)
    .leftJoin(snapshots, eq(snapshots.id, clusters.lastSnapshotId))
    .where(isNull(clusters.removedAt))
    .orderBy(clusters.name);
  return rows.map((row) => ({
    name: row.name,
    labels: row.labels,
    createdAt: row.createdAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    lastObservedAt: row.lastObservedAt?.toISOString() ?? null,
    stale: isStale(ctx, row.lastSeenAt),
    nodes: row.nodes ?? 0,
    pods: row.pods ?? 0,
    allocations: row.allocations ?? 0,
  }));
}

/** Clusters selected by names and/or a label selector (equality); none given means the whole fleet. */
export async function selectClusters(
  db: Db,
  selection: {
    clusters?: string[] | undefined;
    labelSelector?: Record<string, string> | undefined;
    /** as of a past time, clusters removed since then are still part of the fleet */
    asOf?: Date | undefined;
  },
): Promise<ClusterRow[]> {
  const conditions = [
    selection.asOf
      ? sql`(${clusters.removedAt} IS NULL OR ${clusters.removedAt} > ${selection.asOf.toISOString()})`
      : isNull(clusters.removedAt),
  ];
  if (selection.labelSelector && Object.keys(selection.labelSelector).length > 0) {
    conditions.push(sql`${clusters.labels} @> ${JSON.stringify(selection.labelSelector)}::jsonb`);
  }
  const rows = await db
    .select(clusterRowColumns)
    .from(clusters)
    .where(and(...conditions))
    .orderBy(clusters.name);
  if (!selection.clusters) return rows;
  const byName = new Map(rows.map((r) => [r.name, r]));
  return selection.clusters.map((name) => {
    const row = byName.get(name);
    if (!row) throw notFound(`cluster "${name}"`);
    return row;
  });
}
