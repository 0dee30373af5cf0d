/** trends.allocations and trends.headroom: a range checked and sampled; the counting is trend-counts.ts. */
import { and, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { clusterNameSchema } from "../contract/snapshot.js";
import { headroomVersions, nodeVersions, portCountVersions } from "../db/schema/index.js";
import { validDuring } from "../db/validity.js";
import { ANY_PORT, ANY_PROTOCOL } from "../domain/port-counts.js";
import { sampleVersions, stepCount } from "../domain/time-series.js";
import type { ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import {
  hostPortSchema,
  instantSchema,
  labelsSchema,
  queryProtocolSchema,
  stepSchema,
  workloadSchema,
} from "./inputs.js";
import { requireRetained } from "./retention.js";
import {
  allocationAndPodCounts,
  clusterOfRange,
  clusterScope,
  intervalCounts,
  type Range,
} from "./trend-counts.js";

const MAX_POINTS = 10_000;

/** `step` arrives as text ("15m") and leaves the schema as seconds. */
const rangeShape = { from: instantSchema, to: instantSchema, step: stepSchema };

export function checkRange(range: Range): number {
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

type WorkloadRef = z.output<typeof workloadSchema>;

/** A workload's count rows; bare pods are workloads of kind "Pod" named after the pod. */
function workloadFilter(workload: WorkloadRef): SQL {
  const t = portCountVersions;
  return and(
    eq(t.namespace, workload.namespace),
    eq(t.kind, workload.kind),
    eq(t.name, workload.name),
  ) as SQL;
}

export const allocationTrendInput = z.object({
  ...rangeShape,
  hostPort: hostPortSchema.optional(),
  protocol: queryProtocolSchema.optional(),
  cluster: clusterNameSchema.optional(),
  /** clusters whose labels include all of these */
  selector: labelsSchema.optional(),
  workload: workloadSchema.optional(),
});
export type AllocationTrendInput = z.output<typeof allocationTrendInput>;

/**
 * allocations: port allocations matching the filters; pods: distinct pods holding one of them;
 * nodes: nodes in scope (the capacity those allocations draw on).
 */
export async function allocationTrend(ctx: ServiceContext, input: AllocationTrendInput) {
  const steps = checkRange(input);
  requireRetained(ctx, "from", input.from);
  const inScope = await clusterScope(ctx.db, input, input);
  const c = portCountVersions;
  const allocationFilter: SQL[] = [
    eq(c.hostPort, input.hostPort ?? ANY_PORT),
    eq(c.protocol, input.protocol ?? ANY_PROTOCOL),
  ];
  const nodeFilter: SQL[] = [sql`true`];
  if (inScope) {
    allocationFilter.push(inScope(c.clusterId));
    nodeFilter.push(inScope(nodeVersions.clusterId));
  }
  if (input.workload) allocationFilter.push(workloadFilter(input.workload));
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
  requireRetained(ctx, "from", input.from);
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
