/**
 * What the trends count, in SQL: which clusters a trend covers over its range, and at each step
 * point the intervals (nodes) or the weighted count rows (allocations, pods) in force, each from one
 * pass over the boundaries inside the range. Read by trends.allocations and the period report.
 */
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { rawRows } from "../db/raw.js";
import { clusters, nodeVersions, portCountVersions } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { closedDuring, openAt, validAt } from "../db/validity.js";
import { pointsFromBoundaries } from "../domain/time-series.js";
import { findCluster, selectedClusterIds } from "./cluster-selection.js";

export interface Range {
  from: Date;
  to: Date;
  /** seconds */
  step: number;
}

/**
 * A removed cluster's rows that were still open end at its removal: pushes close rows only before a
 * removal, so a row's end is its valid_to, else the removal (if any).
 */
export const removedAt = (clusterId: SQL | PgColumn) =>
  sql`(SELECT c.removed_at FROM clusters c WHERE c.id = ${clusterId})`;

/** Clusters removed in (after, until]: their open rows end then. */
const removedBetween = (after: string, until: string | null) =>
  sql`(SELECT c.id FROM clusters c WHERE c.removed_at > ${after}::timestamptz${until === null ? sql`` : sql` AND c.removed_at <= ${until}::timestamptz`})`;

/** Counts of intervals covering each step point, from one pass over the boundaries inside the range. */
export async function intervalCounts(
  db: Db,
  table: typeof nodeVersions,
  filter: SQL,
  range: Range,
  steps: number,
) {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const [base] = await rawRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM ${table} WHERE ${filter} AND ${validAt(table, range.from)}
        AND NOT (${table.validTo} IS NULL AND ${table.clusterId} IN (SELECT c.id FROM clusters c WHERE c.removed_at <= ${from}::timestamptz))`,
  );
  const bucket = (column: SQL | typeof table.validFrom) =>
    sql`ceil(extract(epoch FROM (${column} - ${from}::timestamptz)) / ${range.step})::int`;
  const buckets = await rawRows<{ k: number; delta: number }>(
    db,
    sql`SELECT k, sum(d)::int AS delta FROM (
          SELECT ${bucket(table.validFrom)} AS k, 1 AS d FROM ${table}
          WHERE ${filter} AND ${table.validFrom} > ${from} AND ${table.validFrom} <= ${to}
          UNION ALL
          SELECT ${bucket(sql`${table.validTo}`)} AS k, -1 AS d FROM ${table}
          WHERE ${filter} AND ${table.validTo} > ${from} AND ${table.validTo} <= ${to}
          UNION ALL
          SELECT ${bucket(removedAt(table.clusterId))} AS k, -1 AS d FROM ${table}
          WHERE ${filter} AND ${table.validTo} IS NULL AND ${table.clusterId} IN ${removedBetween(from, to)}
        ) boundaries GROUP BY k`,
  );
  return pointsFromBoundaries(range.from, range.step, steps, base?.n ?? 0, buckets);
}

/**
 * The first instant a cluster in scope was observed (its first node version, one probe of the as-of
 * index per cluster); null when none ever was. Counts before it are unknown, not zero (unknownBefore).
 */
export async function firstObservation(
  db: Db,
  inScope: ((clusterId: PgColumn) => SQL) | undefined,
): Promise<Date | null> {
  const [row] = await rawRows<{ first: Date | string | null }>(
    db,
    sql`SELECT min((SELECT min(nv.valid_from) FROM ${nodeVersions} nv WHERE nv.cluster_id = ${clusters.id})) AS first
        FROM ${clusters} WHERE ${inScope ? inScope(clusters.id) : sql`true`}`,
  );
  return row?.first ? new Date(row.first) : null;
}

/**
 * The cluster as it was during the range: one removed before `from` has nothing in it (NOT_FOUND),
 * one removed during it still answers for the part it was there.
 */
export async function clusterOfRange(db: Db, name: string, range: Range) {
  return findCluster(db, name, { asOf: range.from });
}

/** Which clusters a trend counts: one by name and/or those whose labels match a selector; none: the fleet. */
export interface TrendScope {
  cluster?: string | undefined;
  selector?: Record<string, string> | undefined;
}

/**
 * The scope as a condition on a table's cluster id, with clusters as they were at the range's start
 * (see clusterOfRange); undefined for the whole fleet. A named cluster that is not there is NOT_FOUND.
 */
export async function clusterScope(
  db: Db,
  scope: TrendScope,
  range: Range,
): Promise<((clusterId: PgColumn) => SQL) | undefined> {
  const id = scope.cluster ? (await clusterOfRange(db, scope.cluster, range)).id : undefined;
  const selector = scope.selector && Object.keys(scope.selector).length > 0 ? scope.selector : undefined;
  if (id === undefined && !selector) return undefined;
  return (clusterId) =>
    and(
      id === undefined ? undefined : eq(clusterId, id),
      selector
        ? inArray(clusterId, selectedClusterIds(db, { labelSelector: selector, asOf: range.from }))
        : undefined,
    ) as SQL;
}

/**
 * Allocations and distinct pods at each step point: the count rows matching `filter` (one level,
 * src/domain/port-counts.ts) summed at each point, from one pass over their boundaries weighted by
 * their counts. Summing pods is exact: a pod belongs to one cluster and one workload, so no pod is
 * in two rows of a level. The open rows and the closed rows that ended after `from` are two branches
 * of the (host_port, protocol, valid_to) index.
 */
export async function allocationAndPodCounts(db: Db, filter: SQL, range: Range, steps: number) {
  const t = portCountVersions;
  const from = sql`${range.from.toISOString()}::timestamptz`;
  const to = sql`${range.to.toISOString()}::timestamptz`;
  const point = (instant: SQL) =>
    sql`greatest(0, ceil(date_part('epoch', ${instant} - ${from}) / ${range.step}::float8))::int`;
  // A removed cluster's open rows end at its removal (see removedAt).
  const columns = sql`${t.validFrom} AS f, coalesce(${t.validTo}, ${removedAt(t.clusterId)}) AS t,
    ${t.allocations} AS a, ${t.pods} AS p`;
  const rows = await rawRows<{ k: number; allocations: number; pods: number }>(
    db,
    sql`WITH r AS (
          SELECT ${columns} FROM ${t} WHERE ${filter} AND ${openAt(t, range.to)}
          UNION ALL
          SELECT ${columns} FROM ${t} WHERE ${filter} AND ${closedDuring(t, range.from, range.to)}
        )
        SELECT k, sum(a)::int AS allocations, sum(p)::int AS pods FROM (
          SELECT ${point(sql`f`)} AS k, a, p FROM r
          UNION ALL
          SELECT ${point(sql`t`)}, -a, -p FROM r WHERE t <= ${to}
        ) boundaries GROUP BY k`,
  );
  const series = (value: (row: (typeof rows)[number]) => number) =>
    pointsFromBoundaries(
      range.from,
      range.step,
      steps,
      0,
      rows.map((row) => ({ k: row.k, delta: value(row) })),
    );
  return { allocations: series((row) => row.allocations), pods: series((row) => row.pods) };
}
