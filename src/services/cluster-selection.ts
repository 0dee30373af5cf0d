/**
 * How every read finds clusters: a selection (names, a label selector, an instant) as a condition on
 * `clusters`, the clusters it selects (whole or a page by name), and one cluster by name, with one
 * rule for removed clusters. Drizzle's builder throughout: each is a filter over one table, and the
 * selection a condition other queries embed (selectionWhere, selectedClusterIds).
 */
import { and, gt, isNull, type SQL, sql } from "drizzle-orm";
import { arrayLiteral } from "../db/bulk-insert.js";
import { clusters } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { notFound } from "./errors.js";

export interface ClusterRow {
  id: number;
  name: string;
  labels: Record<string, string>;
  createdAt: Date;
  lastSeenAt: Date | null;
  lastObservedAt: Date | null;
  removedAt: Date | null;
}

/** The columns of a ClusterRow, for a select. */
export const clusterRowColumns = {
  id: clusters.id,
  name: clusters.name,
  labels: clusters.labels,
  createdAt: clusters.createdAt,
  lastSeenAt: clusters.lastSeenAt,
  lastObservedAt: clusters.lastObservedAt,
  removedAt: clusters.removedAt,
};

export interface ClusterSelection {
  clusters?: string[] | undefined;
  labelSelector?: Record<string, string> | undefined;
  /** as of a past time, clusters removed since then are still part of the fleet */
  asOf?: Date | undefined;
}

/**
 * The selection as a condition on `clusters`. Names travel as one array parameter, so no selection,
 * however large, runs into PostgreSQL's 65,535-parameter limit.
 */
export function selectionWhere(selection: ClusterSelection): SQL | undefined {
  const conditions = [
    selection.asOf
      ? sql`(${clusters.removedAt} IS NULL OR ${clusters.removedAt} > ${selection.asOf.toISOString()})`
      : isNull(clusters.removedAt),
  ];
  if (selection.labelSelector && Object.keys(selection.labelSelector).length > 0) {
    conditions.push(sql`${clusters.labels} @> ${JSON.stringify(selection.labelSelector)}::jsonb`);
  }
  if (selection.clusters) {
    conditions.push(sql`${clusters.name} = ANY(${arrayLiteral(selection.clusters)}::text[])`);
  }
  return and(...conditions);
}

/** The selected clusters' ids as a subquery, for `cluster_id IN (…)` filters of any fleet size. */
export function selectedClusterIds(db: Db, selection: ClusterSelection) {
  return db.select({ id: clusters.id }).from(clusters).where(selectionWhere(selection));
}

/**
 * Clusters selected by names and/or a label selector (equality); none given means the whole fleet.
 * Every named cluster must be part of the selection (the same rule as findCluster), else NOT_FOUND.
 */
export async function selectClusters(db: Db, selection: ClusterSelection): Promise<ClusterRow[]> {
  const rows = await db
    .select(clusterRowColumns)
    .from(clusters)
    .where(selectionWhere(selection))
    .orderBy(clusters.name);
  if (!selection.clusters) return rows;
  const byName = new Map(rows.map((r) => [r.name, r]));
  return selection.clusters.map((name) => {
    const row = byName.get(name);
    if (!row) throw notFound(`cluster "${name}"`);
    return row;
  });
}

/**
 * A page of the selection by name, after the cursor (the last name of the previous page): what
 * fleet answers that must read each cluster's state take a bounded number of clusters at a time by.
 */
export async function selectClusterPage(
  db: Db,
  selection: ClusterSelection,
  page: { after?: string | undefined; limit: number },
) {
  const rows = await db
    .select(clusterRowColumns)
    .from(clusters)
    .where(
      and(selectionWhere(selection), page.after === undefined ? undefined : gt(clusters.name, page.after)),
    )
    .orderBy(clusters.name)
    .limit(page.limit + 1);
  return pageByName(rows, page.limit);
}

/** A page out of `limit + 1` rows read by name, and the cursor to the rest (null when none is left). */
export function pageByName<T extends { name: string }>(rows: readonly T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? last.name : null };
}

/**
 * One cluster by name, with one rule for removed clusters: a question about now finds only a
 * registered cluster; a question as of a past instant finds the cluster as it was then (removed
 * since is fine, removed before is NOT_FOUND).
 */
export async function findCluster(db: Db, name: string, at: { asOf?: Date | undefined } = {}) {
  const [row] = await selectClusters(db, { clusters: [name], asOf: at.asOf });
  if (!row) throw notFound(`cluster "${name}"`);
  return row;
}
