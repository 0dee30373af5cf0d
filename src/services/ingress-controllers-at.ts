/**
 * One cluster's stored IngressControllers at an instant, as clusters.ingressControllers lists them and
 * the port allocation report (reports.portMap) shows them.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { MAX_INGRESS_CONTROLLERS } from "../contract/bounds.js";
import { ingressControllerVersions } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import {
  coincidingRouterPorts,
  DEFAULT_ROUTER_NODE_SELECTOR,
  routerWorkload,
  selfConflictText,
} from "../domain/ingress-controllers.js";

/** One cluster's IngressControllers at `asOf` (now when omitted), bounded by the contract's MAX_INGRESS_CONTROLLERS. */
export async function ingressControllersAt(db: Db, clusterId: number, asOf: Date | undefined) {
  const t = ingressControllerVersions;
  const rows = await db
    .select()
    .from(t)
    .where(and(eq(t.clusterId, clusterId), validAt(t, asOf)))
    .orderBy(asc(sql`${t.namespace} COLLATE "C"`), asc(sql`${t.name} COLLATE "C"`))
    .limit(MAX_INGRESS_CONTROLLERS);
  return rows.map((r) => ({
    namespace: r.namespace,
    name: r.name,
    replicas: r.replicas,
    availableReplicas: r.availableReplicas,
    endpointPublishingStrategy: r.endpointPublishingStrategy,
    hostNetwork: r.hostNetwork,
    /** HostNetwork ports two or three fields share: stored as the cluster holds it, marked self-conflicting */
    coincidingPorts: coincidingRouterPorts(r.hostNetwork),
    /** what the coinciding ports mean, in words; null when there are none */
    selfConflict: selfConflictText(r.hostNetwork),
    nodeSelector: r.nodeSelector,
    /** the placement that applies: the CRD's default (workers) when nodeSelector is unset */
    effectiveNodeSelector: r.nodeSelector ?? DEFAULT_ROUTER_NODE_SELECTOR,
    tolerations: r.tolerations,
    deployment: routerWorkload(r),
    since: r.validFrom.toISOString(),
  }));
}
