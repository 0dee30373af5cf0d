import { and, eq, gt, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Protocol } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import {
  clusters,
  headroomVersions,
  nodeVersions,
  podVersions,
  portAllocations,
} from "../db/schema/index.js";
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

type IntervalTable = typeof portAllocations | typeof podVersions | typeof nodeVersions;

/** Counts of intervals covering each step point, from one pass over the boundaries inside the range. */
async function intervalCounts(db: Db, table: IntervalTable, filter: SQL, range: Range, steps: number) {
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
function ownerFilter(
  table: typeof portAllocations | typeof podVersions,
  workload: WorkloadRef,
  podColumn: PgColumn,
): SQL {
  if (workload.kind === "Pod") {
    return and(
      eq(table.namespace, workload.namespace),
      isNull(table.ownerKind),
      eq(podColumn, workload.name),
    ) as SQL;
  }
  return and(
    eq(table.namespace, workload.namespace),
    eq(table.ownerKind, workload.kind),
    eq(table.ownerName, workload.name),
  ) as SQL;
}

export interface AllocationTrendInput extends Range {
  hostPort?: number | undefined;
  protocol?: Protocol | undefined;
  cluster?: string | undefined;
  workload?: WorkloadRef | undefined;
}

/**
 * allocations: port allocations matching the filters; pods: host-port pods matching them;
 * nodes: nodes in scope (the capacity those allocations draw on).
 */
export async function allocationTrend(ctx: ServiceContext, input: AllocationTrendInput) {
  const steps = checkRange(input);
  const id = input.cluster ? await clusterId(ctx.db, input.cluster) : undefined;
  const allocationFilter: SQL[] = [sql`true`];
  const podFilter: SQL[] = [sql`true`];
  const nodeFilter: SQL[] = [sql`true`];
  if (id !== undefined) {
    allocationFilter.push(eq(portAllocations.clusterId, id));
    podFilter.push(eq(podVersions.clusterId, id));
    nodeFilter.push(eq(nodeVersions.clusterId, id));
  }
  if (input.hostPort !== undefined) {
    allocationFilter.push(eq(portAllocations.hostPort, input.hostPort));
    const wanted = [{ hostPort: input.hostPort, ...(input.protocol ? { protocol: input.protocol } : {}) }];
    podFilter.push(sql`${podVersions.ports} @> ${JSON.stringify(wanted)}::jsonb`);
  }
  if (input.protocol !== undefined) allocationFilter.push(eq(portAllocations.protocol, input.protocol));
  if (input.workload) {
    allocationFilter.push(ownerFilter(portAllocations, input.workload, portAllocations.pod));
    podFilter.push(ownerFilter(podVersions, input.workload, podVersions.name));
  }
  const allocations = await intervalCounts(
    ctx.db,
    portAllocations,
    and(...allocationFilter) as SQL,
    input,
    steps,
  );
  const pods = await intervalCounts(ctx.db, podVersions, and(...podFilter) as SQL, input, steps);
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
