import { and, eq, gt, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { Protocol } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { clusters, headroomVersions, nodeVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { pointsFromBoundaries, sampleVersions, stepCount } from "../domain/time-series.js";
import type { ServiceContext } from "./context.js";
import { notFound, ServiceError } from "./errors.js";

const MAX_POINTS = 10_000;

export interface Range {
  from: Date;
  to: Date;
  stepSeconds: number;
}

function checkRange(range: Range): number {
  if (range.to.getTime() < range.from.getTime()) {
    throw new ServiceError("BAD_REQUEST", "INVALID_RANGE", "`to` is before `from`");
  }
  const steps = stepCount(range.from, range.to, range.stepSeconds);
  if (steps > MAX_POINTS) {
    throw new ServiceError(
      "BAD_REQUEST",
      "TOO_MANY_POINTS",
      `${steps} points requested; at most ${MAX_POINTS} (use a larger step)`,
    );
  }
  return steps;
}

/** Counts of intervals covering each step point, from one pass over the boundaries inside the range. */
async function intervalCounts(db: Db, table: typeof nodeVersions, filter: SQL, range: Range, steps: number) {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const [base] = await rawRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM ${table} WHERE ${filter} AND ${table.validFrom} <= ${from}
        AND (${table.validTo} IS NULL OR ${table.validTo} > ${from})`,
  );
  const bucket = (column: SQL | typeof table.validFrom) =>
    sql`ceil(extract(epoch FROM (${column} - ${from}::timestamptz)) / ${range.stepSeconds})::int`;
  const buckets = await rawRows<{ k: number; delta: number }>(
    db,
    sql`SELECT k, sum(d)::int AS delta FROM (
          SELECT ${bucket(table.validFrom)} AS k, 1 AS d FROM ${table}
          WHERE ${filter} AND ${table.validFrom} > ${from} AND ${table.validFrom} <= ${to}
          UNION ALL
          SELECT ${bucket(sql`${table.validTo}`)} AS k, -1 AS d FROM ${table}
          WHERE ${filter} AND ${table.validTo} > ${from} AND ${table.validTo} <= ${to}
        ) boundaries GROUP BY k`,
  );
  return pointsFromBoundaries(range.from, range.stepSeconds, steps, base?.n ?? 0, buckets);
}

async function clusterId(db: Db, name: string): Promise<number> {
  const [row] = await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.name, name));
  if (!row) throw notFound(`cluster "${name}"`);
  return row.id;
}

export interface WorkloadRef {
  namespace: string;
  kind: string;
  name: string;
}

/** Bare pods are workloads of kind "Pod" named after the pod. */
function ownerFilter(workload: WorkloadRef): SQL {
  const t = portAllocations;
  const owner =
    workload.kind === "Pod"
      ? and(isNull(t.ownerKind), eq(t.pod, workload.name))
      : and(eq(t.ownerKind, workload.kind), eq(t.ownerName, workload.name));
  return and(eq(t.namespace, workload.namespace), owner) as SQL;
}

export interface AllocationTrendInput extends Range {
  hostPort?: number | undefined;
  protocol?: Protocol | undefined;
  cluster?: string | undefined;
  workload?: WorkloadRef | undefined;
}

/**
 * Allocation rows matching `filter` that overlap [from, to], as two branches that follow indexes
 * whatever the depth: open rows that started by `to`, and closed rows that ended after `from`
 * (through (host_port, valid_to) or (cluster_id, valid_to)).
 */
function overlappingAllocations(filter: SQL, range: Range): SQL {
  const t = portAllocations;
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const columns = sql`${t.clusterId} AS cluster_id, ${t.namespace} AS namespace, ${t.pod} AS pod,
    ${t.validFrom} AS f, ${t.validTo} AS t`;
  return sql`SELECT ${columns} FROM ${t}
      WHERE ${filter} AND ${t.validTo} IS NULL AND ${t.validFrom} <= ${to}::timestamptz
    UNION ALL
    SELECT ${columns} FROM ${t}
      WHERE ${filter} AND ${t.validTo} IS NOT NULL AND ${t.validTo} > ${from}::timestamptz
        AND ${t.validFrom} <= ${to}::timestamptz`;
}

/** Beyond the last step point: the end of a row still open at `to`. */
const NEVER = 2_147_483_647;

/**
 * Allocations and distinct pods at each step point, from one pass over the matching allocation
 * rows. Each row covers the step points [kf, kt) (kf: the first point at or after valid_from, 0 if
 * before `from`; kt likewise for valid_to, NEVER past `to`); rows covering no point are dropped.
 * A pod holding the port through several rows (TCP and UDP, two host IPs) counts once: its spans
 * are merged into islands (a span starts an island when no earlier span of the pod reaches its
 * start; an island ends where the next span starts after every span so far has ended).
 */
async function allocationAndPodCounts(db: Db, filter: SQL, range: Range, steps: number) {
  const from = sql`${range.from.toISOString()}::timestamptz`;
  const point = (instant: SQL) =>
    sql`greatest(0, ceil(date_part('epoch', ${instant} - ${from}) / ${range.stepSeconds}::float8))::int`;
  const rows = await rawRows<{ pods: boolean; k: number; delta: number }>(
    db,
    sql`WITH spans AS (
          SELECT cluster_id, namespace, pod, ${point(sql`f`)} AS kf,
                 CASE WHEN t <= ${range.to.toISOString()}::timestamptz THEN ${point(sql`t`)} ELSE ${NEVER} END AS kt
          FROM (${overlappingAllocations(filter, range)}) r
        ),
        w AS (
          SELECT kf, kt,
            max(kt) OVER (pod ORDER BY kf, kt ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to,
            max(kt) OVER (pod ORDER BY kf, kt ROWS UNBOUNDED PRECEDING) AS ended_by,
            lead(kf) OVER (pod ORDER BY kf, kt) AS next_from
          FROM spans WHERE kt > kf WINDOW pod AS (PARTITION BY cluster_id, namespace COLLATE "C", pod COLLATE "C")
        ),
        boundaries AS (
          SELECT false AS pods, kf AS k, 1 AS d FROM w
          UNION ALL
          SELECT false, kt, -1 FROM w WHERE kt < ${NEVER}
          UNION ALL
          SELECT true, kf, 1 FROM w WHERE covered_to IS NULL OR covered_to < kf
          UNION ALL
          SELECT true, ended_by, -1 FROM w
            WHERE (next_from IS NULL OR next_from > ended_by) AND ended_by < ${NEVER}
        )
        SELECT pods, k, sum(d)::int AS delta FROM boundaries GROUP BY pods, k`,
  );
  const series = (pods: boolean) =>
    pointsFromBoundaries(
      range.from,
      range.stepSeconds,
      steps,
      0,
      rows.filter((row) => row.pods === pods),
    );
  return { allocations: series(false), pods: series(true) };
}

/**
 * allocations: port allocations matching the filters; pods: distinct pods holding one of them;
 * nodes: nodes in scope (the capacity those allocations draw on).
 */
export async function allocationTrend(ctx: ServiceContext, input: AllocationTrendInput) {
  const steps = checkRange(input);
  const id = input.cluster ? await clusterId(ctx.db, input.cluster) : undefined;
  const allocationFilter: SQL[] = [sql`true`];
  const nodeFilter: SQL[] = [sql`true`];
  if (id !== undefined) {
    allocationFilter.push(eq(portAllocations.clusterId, id));
    nodeFilter.push(eq(nodeVersions.clusterId, id));
  }
  if (input.hostPort !== undefined) allocationFilter.push(eq(portAllocations.hostPort, input.hostPort));
  if (input.protocol !== undefined) allocationFilter.push(eq(portAllocations.protocol, input.protocol));
  if (input.workload) allocationFilter.push(ownerFilter(input.workload));
  const { allocations, pods } = await allocationAndPodCounts(
    ctx.db,
    and(...allocationFilter) as SQL,
    input,
    steps,
  );
  const nodes = await intervalCounts(ctx.db, nodeVersions, and(...nodeFilter) as SQL, input, steps);
  return {
    step: input.stepSeconds,
    points: allocations.map((p, k) => ({
      t: p.t,
      allocations: p.value,
      pods: pods[k]?.value ?? 0,
      nodes: nodes[k]?.value ?? 0,
    })),
  };
}

export async function headroomTrend(ctx: ServiceContext, input: Range & WorkloadRef & { cluster: string }) {
  const steps = checkRange(input);
  const id = await clusterId(ctx.db, input.cluster);
  const versions = await ctx.db
    .select()
    .from(headroomVersions)
    .where(
      and(
        eq(headroomVersions.clusterId, id),
        eq(headroomVersions.namespace, input.namespace),
        eq(headroomVersions.kind, input.kind),
        eq(headroomVersions.name, input.name),
        lte(headroomVersions.validFrom, input.to),
        or(isNull(headroomVersions.validTo), gt(headroomVersions.validTo, input.from)),
      ),
    );
  return {
    step: input.stepSeconds,
    points: sampleVersions(versions, input.from, input.stepSeconds, steps).map(({ t, version: v }) => ({
      t,
      ...(v
        ? {
            exists: true,
            replicas: v.replicas,
            eligibleNodes: v.eligibleNodes,
            freeNodes: v.freeNodes,
            headroom: v.headroom,
            status: v.status,
          }
        : {
            exists: false,
            replicas: null,
            eligibleNodes: null,
            freeNodes: null,
            headroom: null,
            status: null,
          }),
    })),
  };
}
