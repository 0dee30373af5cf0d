/**
 * Does the name of a planned IngressController already exist in a target cluster? Applying a plan
 * of an existing name rewrites the live object, so the plan says what that object holds and
 * suggests a name no target uses.
 */
import { and, eq, inArray, isNull, like, or } from "drizzle-orm";
import { ingressControllerVersions } from "../../db/schema/index.js";
import type { Db } from "../../db/types.js";
import { OPERATOR_NAMESPACE } from "../../domain/ingress-controllers.js";
import { suggestFreeName } from "../../domain/ingress-plan.js";
import type { ClusterRow } from "../cluster-selection.js";

export interface ExistingIngressController {
  cluster: string;
  namespace: string;
  name: string;
  replicas: number | null;
  availableReplicas: number | null;
  endpointPublishingStrategy: string | null;
  hostNetwork: { httpPort: number; httpsPort: number; statsPort: number; protocol: string } | null;
  nodeSelector: Record<string, string> | null;
  since: string;
}

/** The IngressControllers named `name` in the target clusters now, and a free name when there are some. */
export async function existingNames(
  db: Db,
  targets: readonly Pick<ClusterRow, "id" | "name">[],
  name: string,
) {
  if (targets.length === 0) return { existing: [], suggestedName: null };
  const t = ingressControllerVersions;
  // DNS-1123 names hold no LIKE wildcards (% or _), so the prefix is literal.
  const rows = await db
    .select({
      clusterId: t.clusterId,
      name: t.name,
      replicas: t.replicas,
      availableReplicas: t.availableReplicas,
      endpointPublishingStrategy: t.endpointPublishingStrategy,
      hostNetwork: t.hostNetwork,
      nodeSelector: t.nodeSelector,
      validFrom: t.validFrom,
    })
    .from(t)
    .where(
      and(
        isNull(t.validTo),
        eq(t.namespace, OPERATOR_NAMESPACE),
        inArray(
          t.clusterId,
          targets.map((c) => c.id),
        ),
        or(eq(t.name, name), like(t.name, `${name}-%`)),
      ),
    );
  const nameOf = new Map(targets.map((c) => [c.id, c.name]));
  const existing: ExistingIngressController[] = rows
    .filter((r) => r.name === name)
    .map((r) => ({
      cluster: nameOf.get(r.clusterId) ?? "",
      namespace: OPERATOR_NAMESPACE,
      name: r.name,
      replicas: r.replicas,
      availableReplicas: r.availableReplicas,
      endpointPublishingStrategy: r.endpointPublishingStrategy,
      hostNetwork: r.hostNetwork,
      nodeSelector: r.nodeSelector,
      since: r.validFrom.toISOString(),
    }))
    .sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
  const taken = new Set(rows.map((r) => r.name));
  return { existing, suggestedName: existing.length > 0 ? suggestFreeName(name, taken) : null };
}

/** What an existing IngressController holds, in one line: "HostNetwork 80/443/1936, 2 replicas (2 available)". */
export function holdsText(ic: ExistingIngressController): string {
  const strategy = ic.endpointPublishingStrategy ?? "strategy unset";
  const ports = ic.hostNetwork
    ? ` ${ic.hostNetwork.httpPort}/${ic.hostNetwork.httpsPort}/${ic.hostNetwork.statsPort}`
    : "";
  const replicas = ic.replicas === null ? "replicas unset (2)" : `${ic.replicas} replica(s)`;
  const available = ic.availableReplicas === null ? "" : ` (${ic.availableReplicas} available)`;
  return `${strategy}${ports}, ${replicas}${available}`;
}
