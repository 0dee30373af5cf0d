/** trends.allocations, trends.headroom and trends.headroomSeries: a range checked and sampled; the counting is trend-counts.ts. */
import { and, eq, type SQL, sql } from "drizzle-orm";
import * as z from "zod";
import { clusterNameSchema, storableText } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { headroomVersions, nodeVersions, portCountVersions } from "../db/schema/index.js";
import { validDuring } from "../db/validity.js";
import { ANY_PORT, ANY_PROTOCOL } from "../domain/port-counts.js";
import { sampleVersions, stepCount, unknownBefore } from "../domain/time-series.js";
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
  firstObservation,
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
  // Before the scope's first observation the counts are unknown (null), not zero.
  const first = await firstObservation(ctx.db, inScope);
  const known = (series: { t: string; value: number }[]) => unknownBefore(series, first);
  const [knownPods, knownNodes] = [known(pods), known(nodes)];
  return {
    step: input.step,
    firstObservedAt: first?.toISOString() ?? null,
    points: known(allocations).map((p, k) => ({
      t: p.t,
      allocations: p.value,
      pods: knownPods[k]?.value ?? null,
      nodes: knownNodes[k]?.value ?? null,
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
  return { step: input.step, points: await headroomPoints(ctx, id, input, input, steps) };
}

/** One workload's headroom at each step point of the range (exists: false where it was not there). */
async function headroomPoints(
  ctx: ServiceContext,
  clusterId: number,
  workload: { namespace: string; kind: string; name: string },
  range: Range,
  steps: number,
) {
  const versions = await ctx.db
    .select()
    .from(headroomVersions)
    .where(
      and(
        eq(headroomVersions.clusterId, clusterId),
        eq(headroomVersions.namespace, workload.namespace),
        eq(headroomVersions.kind, workload.kind),
        eq(headroomVersions.name, workload.name),
        validDuring(headroomVersions, range.from, range.to),
      ),
    );
  return sampleVersions(versions, range.from, range.step, steps).map(({ t, version: v }) => ({
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
  }));
}

export const MAX_HEADROOM_SERIES = 20;
/** Points of all series together: 20 workloads over 30 days by the hour fit (14,400). */
const MAX_SERIES_POINTS = 50_000;

export const headroomSeriesInput = z
  .object({
    ...rangeShape,
    cluster: clusterNameSchema,
    namespace: workloadSchema.shape.namespace.optional(),
    kind: workloadSchema.shape.kind.optional(),
    /** a name or a glob of it: `*` any run of characters, `?` one */
    name: storableText(253).min(1).optional(),
    limit: z.number().int().min(1).max(MAX_HEADROOM_SERIES).default(MAX_HEADROOM_SERIES),
  })
  .refine((i) => i.namespace !== undefined || i.name !== undefined, {
    message: "give a namespace and/or a name (glob) to select workloads",
  });

/** A name glob as a LIKE pattern: the pattern's own metacharacters escaped, `*` and `?` translated. */
export function globToLike(glob: string): string {
  return glob
    .replace(/[\\%_]/g, (c) => `\\${c}`)
    .replace(/\*/g, "%")
    .replace(/\?/g, "_");
}

/**
 * trends.headroomSeries: the headroom over time of each workload of a cluster a selector matches (a
 * namespace, a kind, a name glob such as `router-*`), by namespace, kind and name, at most `limit`
 * (≤ 20) series; `matched` says how many workloads matched in all.
 */
export async function headroomSeries(ctx: ServiceContext, input: z.output<typeof headroomSeriesInput>) {
  const steps = checkRange(input);
  requireRetained(ctx, "from", input.from);
  const { id } = await clusterOfRange(ctx.db, input.cluster, input);
  const h = headroomVersions;
  const matches = await rawRows<{ namespace: string; kind: string; name: string; total: number }>(
    ctx.db,
    sql`SELECT namespace, kind, name, count(*) OVER ()::int AS total FROM (
          SELECT DISTINCT ${h.namespace} AS namespace, ${h.kind} AS kind, ${h.name} AS name FROM ${h}
          WHERE ${h.clusterId} = ${id} AND ${validDuring(h, input.from, input.to)}
            ${input.namespace === undefined ? sql`` : sql`AND ${h.namespace} = ${input.namespace}`}
            ${input.kind === undefined ? sql`` : sql`AND ${h.kind} = ${input.kind}`}
            ${input.name === undefined ? sql`` : sql`AND ${h.name} LIKE ${globToLike(input.name)}`}
        ) w ORDER BY namespace COLLATE "C", kind COLLATE "C", name COLLATE "C" LIMIT ${input.limit}`,
  );
  if (matches.length * steps > MAX_SERIES_POINTS) {
    throw new ServiceError(
      "BAD_REQUEST",
      "TOO_MANY_POINTS",
      `${matches.length} series of ${steps} points each exceed ${MAX_SERIES_POINTS}: widen the step or narrow the selector`,
    );
  }
  const series = [];
  for (const { namespace, kind, name } of matches) {
    const workload = { namespace, kind, name };
    series.push({ ...workload, points: await headroomPoints(ctx, id, workload, input, steps) });
  }
  const matched = matches[0]?.total ?? 0;
  return { step: input.step, matched, more: matched - series.length, series };
}
