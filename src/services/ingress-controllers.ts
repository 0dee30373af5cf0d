/** clusters.ingressControllers: one cluster's IngressControllers now or as of an instant. */
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { MAX_INGRESS_CONTROLLERS } from "../contract/bounds.js";
import { clusterNameSchema } from "../contract/snapshot.js";
import { ingressControllerVersions } from "../db/schema/index.js";
import { validAt } from "../db/validity.js";
import { DEFAULT_ROUTER_NODE_SELECTOR, routerWorkload } from "../domain/ingress-controllers.js";
import type { ServiceContext } from "./context.js";
import { instantSchema } from "./inputs.js";
import { findCluster, isStale, viewInstant } from "./read-model.js";

export const listIngressControllersInput = z.object({
  cluster: clusterNameSchema,
  asOf: instantSchema.optional(),
});

/** Bounded by the contract: a snapshot carries at most MAX_INGRESS_CONTROLLERS per cluster. */
export async function listIngressControllers(
  ctx: ServiceContext,
  input: z.output<typeof listIngressControllersInput>,
) {
  const cluster = await findCluster(ctx.db, input.cluster, { asOf: input.asOf });
  const t = ingressControllerVersions;
  const rows = await ctx.db
    .select()
    .from(t)
    .where(and(eq(t.clusterId, cluster.id), validAt(t, input.asOf)))
    .orderBy(asc(sql`${t.namespace} COLLATE "C"`), asc(sql`${t.name} COLLATE "C"`))
    .limit(MAX_INGRESS_CONTROLLERS);
  return {
    cluster: cluster.name,
    asOf: viewInstant(cluster, input.asOf),
    stale: isStale(ctx, cluster),
    ingressControllers: rows.map((r) => ({
      namespace: r.namespace,
      name: r.name,
      replicas: r.replicas,
      availableReplicas: r.availableReplicas,
      endpointPublishingStrategy: r.endpointPublishingStrategy,
      hostNetwork: r.hostNetwork,
      nodeSelector: r.nodeSelector,
      /** the placement that applies: the CRD's default (workers) when nodeSelector is unset */
      effectiveNodeSelector: r.nodeSelector ?? DEFAULT_ROUTER_NODE_SELECTOR,
      tolerations: r.tolerations,
      deployment: routerWorkload(r),
      since: r.validFrom.toISOString(),
    })),
  };
}
