/**
 * The will-crash conflicts of conflicts.list (src/domain/will-crash.ts): running hostNetwork pods
 * whose declared port a listener on their node holds that is not theirs. SQL pairs each open
 * hostNetwork allocation with the open listeners of its node, port and protocol (never the pod's own
 * attributed socket), with the node's hostNetwork declarations of that port; the domain then applies
 * the bind rule and the classes (a listener some pod declares is the scheduler's business).
 */

import { sql } from "drizzle-orm";
import type { AttributionTier, ListenerProcess, ListenerProtocol } from "../../contract/listeners.js";
import { arrayLiteral } from "../../db/bulk-insert.js";
import { rawRows } from "../../db/raw.js";
import { listenerOfStored } from "../../domain/node-listeners.js";
import type { AllocationView } from "../../domain/views.js";
import { willCrashConflicts } from "../../domain/will-crash.js";
import { ownerOf } from "../../domain/workload.js";

interface PairRow {
  cluster: string;
  node: string;
  namespace: string;
  pod: string;
  ownerKind: string | null;
  ownerName: string | null;
  container: string;
  protocol: string;
  hostIP: string;
  hostPort: number;
  attribution: AttributionTier;
  lProtocol: ListenerProtocol;
  family: number;
  address: string;
  scope: "wildcard" | "loopback" | "address";
  dualStack: boolean | null;
  iface: string;
  processes: ListenerProcess[];
  podNamespace: string | null;
  podName: string | null;
  podContainer: string | null;
  declaredBy: AllocationView[];
}

/** At most `limit` conflicts, over the clusters `ids` (all registered when null), in byte order. */
export async function willCrashOn(
  db: Parameters<typeof rawRows>[0],
  ids: readonly number[] | null,
  limit: number,
) {
  const scope = ids ? sql`AND a.cluster_id = ANY(${arrayLiteral([...ids])}::int[])` : sql``;
  const rows = await rawRows<PairRow>(
    db,
    sql`SELECT c.name AS cluster, a.node, a.namespace, a.pod, a.owner_kind AS "ownerKind",
               a.owner_name AS "ownerName", a.container, a.protocol, a.host_ip AS "hostIP",
               a.host_port AS "hostPort", l.attribution, l.protocol AS "lProtocol", l.family, l.address,
               l.scope, l.dual_stack AS "dualStack", l.interface AS iface, l.processes,
               l.pod_namespace AS "podNamespace", l.pod_name AS "podName", l.pod_container AS "podContainer",
               (SELECT coalesce(jsonb_agg(jsonb_build_object('node', o.node, 'namespace', o.namespace,
                         'pod', o.pod, 'ownerKind', o.owner_kind, 'ownerName', o.owner_name,
                         'container', o.container, 'protocol', o.protocol, 'hostIP', o.host_ip,
                         'hostPort', o.host_port, 'hostNetwork', o.host_network)), '[]'::jsonb)
                  FROM port_allocations o
                  WHERE o.valid_to IS NULL AND o.host_network AND o.cluster_id = a.cluster_id
                    AND o.node = a.node AND o.host_port = a.host_port AND o.protocol = a.protocol) AS "declaredBy"
        FROM port_allocations a
        JOIN clusters c ON c.id = a.cluster_id AND c.removed_at IS NULL
        JOIN node_listener_versions l ON l.cluster_id = a.cluster_id AND l.node = a.node
          AND l.port = a.host_port AND l.protocol = a.protocol AND l.valid_to IS NULL
        WHERE a.valid_to IS NULL AND a.host_network ${scope}
          AND NOT (l.pod_name IS NOT NULL AND l.pod_namespace = a.namespace AND l.pod_name = a.pod)
        ORDER BY c.name COLLATE "C", a.namespace COLLATE "C", a.pod COLLATE "C", a.host_port
        LIMIT ${limit * 20}`,
  );
  const found = [];
  for (const r of rows) {
    const listener = listenerOfStored({ ...r, protocol: r.lProtocol, port: r.hostPort, interface: r.iface });
    const pod = {
      namespace: r.namespace,
      name: r.pod,
      hostNetwork: true,
      ports: [{ protocol: r.protocol, hostIP: r.hostIP, hostPort: r.hostPort, container: r.container }],
    };
    for (const conflict of willCrashConflicts(
      pod,
      { node: r.node, attribution: r.attribution, listeners: [listener] },
      r.declaredBy,
    )) {
      found.push({
        cluster: r.cluster,
        node: r.node,
        namespace: r.namespace,
        pod: r.pod,
        owner: ownerOf(r),
        port: { protocol: r.protocol, hostIP: r.hostIP, hostPort: r.hostPort, container: r.container },
        heldBy: conflict.blockers.map((b) => ({
          address: b.listener.address,
          processes: b.listener.processes.map((p) => p.name),
          pod: b.listener.pod ?? null,
          class: b.class,
        })),
        assumptions: conflict.assumptions,
      });
      if (found.length >= limit) return found;
    }
  }
  return found;
}
