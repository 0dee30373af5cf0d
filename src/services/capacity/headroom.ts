/**
 * capacity.headroom reads the projection ingest stores (headroom_versions, computed by the domain's
 * workloadHeadroom on each changed push): rows valid at asOf, or the open ones, for the selected
 * clusters. No cluster's state is loaded; the fleet answer is paged over (cluster, workload).
 */
import { and, eq } from "drizzle-orm";
import * as z from "zod";
import { clusters, headroomVersions } from "../../db/schema/index.js";
import { validAt } from "../../db/validity.js";
import { replicasPatch } from "../../domain/ingress-controllers.js";
import { nextRollout } from "../../domain/rollout.js";
import { listingMember, sharedPortSetAdvice, withoutScaleDown } from "../../domain/shared-port-sets.js";
import { workloadKey } from "../../domain/workload.js";
import { selectClusters, selectionWhere } from "../cluster-selection.js";
import type { ServiceContext } from "../context.js";
import { clusterListSchema, instantSchema } from "../inputs.js";
import { requireRetained } from "../retention.js";
import { isStale } from "../staleness.js";
import { afterCursor, byteOrdered, encodeCursor } from "./cursor.js";
import { keyCursorSchema } from "./inputs.js";

const DEFAULT_HEADROOM_LIMIT = 1000;
export const MAX_HEADROOM_LIMIT = 5000;

export const headroomInput = z
  .object({
    clusters: clusterListSchema.optional(),
    asOf: instantSchema.optional(),
    limit: z.number().int().min(1).max(MAX_HEADROOM_LIMIT).optional(),
    /** the last row of the previous page: cluster, namespace, kind, name */
    cursor: keyCursorSchema(4).optional(),
  })
  .default({});
export type HeadroomInput = z.output<typeof headroomInput>;

const order = [clusters.name, headroomVersions.namespace, headroomVersions.kind, headroomVersions.name];

export async function headroom(ctx: ServiceContext, input: HeadroomInput) {
  requireRetained(ctx, "asOf", input.asOf);
  const selection = { clusters: input.clusters, asOf: input.asOf };
  // Named clusters must exist (NOT_FOUND otherwise); the whole fleet is only ever joined in SQL.
  if (input.clusters) await selectClusters(ctx.db, selection);
  const limit = input.limit ?? DEFAULT_HEADROOM_LIMIT;
  const rows = await ctx.db
    .select({
      cluster: clusters.name,
      createdAt: clusters.createdAt,
      lastSeenAt: clusters.lastSeenAt,
      namespace: headroomVersions.namespace,
      kind: headroomVersions.kind,
      name: headroomVersions.name,
      ports: headroomVersions.ports,
      replicas: headroomVersions.replicas,
      pending: headroomVersions.pending,
      eligibleNodes: headroomVersions.eligibleNodes,
      freeNodes: headroomVersions.freeNodes,
      headroom: headroomVersions.headroom,
      status: headroomVersions.status,
      maxReplicasKeepingOneSpare: headroomVersions.maxReplicas,
      listenerBlockedNodes: headroomVersions.listenerBlockedNodes,
      listenerExample: headroomVersions.listenerExample,
      sharedPortSets: headroomVersions.sharedPortSets,
      partOf: headroomVersions.partOf,
    })
    .from(headroomVersions)
    .innerJoin(clusters, eq(clusters.id, headroomVersions.clusterId))
    .where(
      and(selectionWhere(selection), validAt(headroomVersions, input.asOf), afterCursor(order, input.cursor)),
    )
    .orderBy(...byteOrdered(order))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const workloads = page.map(
    ({ createdAt, lastSeenAt, sharedPortSets, listenerBlockedNodes, listenerExample, ...w }) => {
      const sets = (sharedPortSets ?? []).map((set) => ({ ...set, ...sharedPortSetAdvice(set, w.cluster) }));
      const advice = withoutScaleDown(
        {
          patch: replicasPatch({ ...w, maxReplicas: w.maxReplicasKeepingOneSpare }),
          rollout: nextRollout(w),
        },
        sets,
      );
      return {
        ...w,
        /** eligible nodes only observed listeners block: not free, not in max replicas (null stored: none) */
        listenerBlockedNodes: listenerBlockedNodes ?? 0,
        /** the first of them, the port and the listener in the way (address, processes, pod, class) */
        listenerExample: listenerExample ?? null,
        stale: isStale(ctx, { createdAt, lastSeenAt }),
        /** the shared port sets it is a member of, each with what to do instead of scaling down */
        sharedPortSets: sets,
        /** IngressControllers whose replicas leave no eligible node spare: the patch that does */
        patch: advice.patch,
        /** would its next rollout finish, judged with its kind's default strategy (snapshots carry none) */
        rollout: advice.rollout,
      };
    },
  );
  return {
    /** the instant answered (null: each cluster's latest state) */
    asOf: input.asOf?.toISOString() ?? null,
    workloads,
    /**
     * Each shared port set once, on the page holding its first member's row: workloads of one
     * cluster competing for the same host ports on the same nodes (docs/planning.md).
     */
    sharedPortSets: workloads.flatMap((w) =>
      w.sharedPortSets
        .filter((set) => w.partOf === null && workloadKey(listingMember(set) ?? w) === workloadKey(w))
        .map((set) => ({ cluster: w.cluster, ...set })),
    ),
    nextCursor:
      rows.length > limit && last ? encodeCursor([last.cluster, last.namespace, last.kind, last.name]) : null,
  };
}
