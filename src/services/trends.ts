import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { headroomVersions, nodeVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { closedDuring, openAt, validAt, validDuring } from "../db/validity.js";
import { pointsFromBoundaries, sampleVersions, stepCount } from "../domain/time-series.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { hostPortSchema, instantSchema, queryProtocolSchema, stepSchema, workloadSchema } from "./inputs.js";
import { findCluster } from "./read-model.js";

const MAX_POINTS = 10_000;

/** `step` arrives as text ("15m") and leaves the schema as seconds. */
const rangeShape = { from: instantSchema, to: instantSchema, step: stepSchema };

interface Range {
  from: Date;
  to: Date;
  /** seconds */
  step: number;
}

function checkRange(range: Range): number {
  if (range.to.getTime() < range.from.getTime()) {
    throw new ServiceError("BAD_REQUEST", "INVALID_RANGE", "`to` is before `from`");
  }
  const steps = stepCount(range.from, range.to, range.step);
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
    sql`SELECT count(*)::int AS n FROM ${table} WHERE ${filter} AND ${validAt(table, range.from)}`,
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
        ) boundaries GROUP BY k`,
  );
  return pointsFromBoundaries(range.from, range.step, steps, base?.n ?? 0, buckets);
}

/**
 * The cluster as it was during the range: one removed before `from` has nothing in it (NOT_FOUND),
 * one removed during it still answers for the part it was there.
 */
async function clusterOfRange(db: Db, name: string, range: Range) {
  return findCluster(db, name, { asOf: range.from });
}

type WorkloadRef = z.output<typeof workloadSchema>;

/** Bare pods are workloads of kind "Pod" named after the pod. */
function ownerFilter(workload: WorkloadRef): SQL {
  const t = portAllocations;
  const owner =
    workload.kind === "Pod"
      ? and(isNull(t.ownerKind), eq(t.pod, workload.name))
      : and(eq(t.ownerKind, workload.kind), eq(t.ownerName, workload.name));
  return and(eq(t.namespace, workload.namespace), owner) as SQL;
}

export const allocationTrendInput = z.object({
  ...rangeShape,
  hostPort: hostPortSchema.optional(),
  protocol: queryProtocolSchema.optional(),
  cluster: clusterNameSchema.optional(),
  workload: workloadSchema.optional(),
});
export type AllocationTrendInput = z.output<typeof allocationTrendInput>;

/**
 * Allocation rows matching `filter` that overlap [from, to], as two branches that follow indexes
 * whatever the depth: open rows that started by `to`, and closed rows that ended after `from`
 * (through (host_port, valid_to) or (cluster_id, valid_to)).
 */
function overlappingAllocations(filter: SQL, range: Range): SQL {
  const t = portAllocations;
  const columns = sql`${t.clusterId} AS cluster_id, ${t.namespace} AS namespace, ${t.pod} AS pod,
    ${t.validFrom} AS f, ${t.validTo} AS t`;
  return sql`SELECT ${columns} FROM ${t} WHERE ${filter} AND ${openAt(t, range.to)}
    UNION ALL
    SELECT ${columns} FROM ${t} WHERE ${filter} AND ${closedDuring(t, range.from, range.to)}`;
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
    sql`greatest(0, ceil(date_part('epoch', ${instant} - ${from}) / ${range.step}::float8))::int`;
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
      range.step,
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
  const id = input.cluster ? (await clusterOfRange(ctx.db, input.cluster, input)).id : undefined;
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
    step: input.step,
    points: allocations.map((p, k) => ({
      t: p.t,
      allocations: p.value,
      pods: pods[k]?.value ?? 0,
      nodes: nodes[k]?.value ?? 0,
    })),
  };
}

export const headroomTrendInput = z.object({
  ...rangeShape,
  cluster: clusterNameSchema,
  ...workloadSchema.shape,
});

export async function headroomTrend(ctx: ServiceContext, input: z.output<typeof headroomTrendInput>) {
  const steps = checkRange(input);
  const { id } = await clusterOfRange(ctx.db, input.cluster, input);
  const versions = await ctx.db
    .select()
    .from(headroomVersions)
    .where(
      and(
        eq(headroomVersions.clusterId, id),
        eq(headroomVersions.namespace, input.namespace),
        eq(headroomVersions.kind, input.kind),
        eq(headroomVersions.name, input.name),
        validDuring(headroomVersions, input.from, input.to),
      ),
    );
  return {
    step: input.step,
    points: sampleVersions(versions, input.from, input.step, steps).map(({ t, version: v }) => ({
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
