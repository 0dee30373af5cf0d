/**
 * IngressControllers as the planner reads them: where one places its routers (nodeSelector, default
 * workers; tolerations), the host ports a HostNetwork one holds on each of those nodes, and its
 * headroom. A HostNetwork router binds 0.0.0.0 on its node, so the ports count as held on every node
 * the placement selects even while its pods are Pending or scaled to zero; where one of its router
 * pods holds a port, that allocation is the hold (not a second one).
 */
import type { Toleration } from "../contract/snapshot.js";
import { nodeEligibility } from "./eligibility.js";
import { fingerprint } from "./fingerprint.js";
import { headroomStatus, type WorkloadHeadroom } from "./headroom.js";
import { type ListenerHolds, listenerBlockExample } from "./headroom-listeners.js";
import { portKey } from "./held-ports.js";
import type { AllocationFact, IngressControllerFact } from "./history.js";
import type { ListenerBlock } from "./listener-fit.js";
import { type HostPortRef, hostPortsConflict, WILDCARD_IP } from "./ports.js";
import type { AllocationView, NodeView, PlacementRules } from "./views.js";
import { type WorkloadRef, workloadKey, workloadOf } from "./workload.js";

/** The CRD's placement when spec.nodePlacement is unset: Linux workers. */
export const DEFAULT_ROUTER_NODE_SELECTOR: Readonly<Record<string, string>> = {
  "kubernetes.io/os": "linux",
  "node-role.kubernetes.io/worker": "",
};

/** spec.replicas unset: the operator runs 2 routers (the HighlyAvailable topology's default). */
export const DEFAULT_ROUTER_REPLICAS = 2;

export const ROUTER_NAMESPACE = "openshift-ingress";
export const OPERATOR_NAMESPACE = "openshift-ingress-operator";

/** Taints the node lifecycle puts on cordoned or unready nodes: they come back, so placement ignores them. */
const LIFECYCLE_TAINTS = new Set([
  "node.kubernetes.io/unschedulable",
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
]);

export interface RouterPlacement {
  nodeSelector: Record<string, string> | null;
  tolerations: readonly Toleration[];
}

export function placementRules(ic: RouterPlacement): PlacementRules {
  return { nodeSelector: ic.nodeSelector ?? DEFAULT_ROUTER_NODE_SELECTOR, tolerations: ic.tolerations };
}

/** Selected and tolerated, whatever its readiness or cordon: the nodes a router may come back to. */
export function placementSelects(node: NodeView, ic: RouterPlacement): boolean {
  const steady: NodeView = {
    ...node,
    ready: true,
    unschedulable: false,
    taints: node.taints.filter((t) => !LIFECYCLE_TAINTS.has(t.key)),
  };
  return nodeEligibility(steady, placementRules(ic)).eligible;
}

/** The managed router Deployment as a workload (router-<name> in openshift-ingress unless stated). */
export function routerWorkload(ic: Pick<IngressControllerFact, "name" | "deployment">): WorkloadRef {
  return {
    namespace: ic.deployment?.namespace ?? ROUTER_NAMESPACE,
    kind: "Deployment",
    name: ic.deployment?.name ?? `router-${ic.name}`,
  };
}

type RouterHostNetwork = NonNullable<IngressControllerFact["hostNetwork"]>;

/** The HostNetwork port fields, in the CRD's order. */
export const ROUTER_PORT_FIELDS = ["httpPort", "httpsPort", "statsPort"] as const;
export type RouterPortField = (typeof ROUTER_PORT_FIELDS)[number];

/**
 * http, https, stats: TCP on 0.0.0.0 (the PROXY protocol also runs over TCP), each distinct port
 * once: fields that coincide (see coincidingRouterPorts) hold one port, not two.
 */
export function routerPorts(ic: Pick<IngressControllerFact, "hostNetwork">): HostPortRef[] {
  const hn = ic.hostNetwork;
  if (!hn) return [];
  const distinct = new Set(ROUTER_PORT_FIELDS.map((field) => hn[field]));
  return [...distinct].map((hostPort) => ({ protocol: "TCP", hostIP: WILDCARD_IP, hostPort }));
}

export interface CoincidingRouterPort {
  hostPort: number;
  /** the fields that name it, in the CRD's order (two or three) */
  fields: RouterPortField[];
}

/**
 * Ports two or three HostNetwork fields share (e.g. httpPort 443 with httpsPort defaulted to 443).
 * The CRD has no rule against it, so the API server stores such an IngressController; but its router
 * would listen twice on one host port (Kubernetes refuses a pod template declaring one hostPort and
 * protocol twice), so none of its routers can run until the spec is fixed. Portolan stores it as the
 * cluster holds it and marks it self-conflicting; its ports are held once each.
 */
export function coincidingRouterPorts(hostNetwork: RouterHostNetwork | null): CoincidingRouterPort[] {
  if (!hostNetwork) return [];
  const byPort = new Map<number, RouterPortField[]>();
  for (const field of ROUTER_PORT_FIELDS) {
    const port = hostNetwork[field];
    byPort.set(port, [...(byPort.get(port) ?? []), field]);
  }
  return [...byPort]
    .filter(([, fields]) => fields.length > 1)
    .map(([hostPort, fields]) => ({ hostPort, fields }));
}

/** "httpPort and httpsPort are both 443": the self-conflict in words, or null when there is none. */
export function selfConflictText(hostNetwork: RouterHostNetwork | null): string | null {
  const coinciding = coincidingRouterPorts(hostNetwork);
  if (coinciding.length === 0) return null;
  const clauses = coinciding.map((c) =>
    c.fields.length === 2
      ? `${c.fields.join(" and ")} are both ${c.hostPort}`
      : `${c.fields.join(", ")} are all ${c.hostPort}`,
  );
  return `${clauses.join("; ")}: its router would listen twice on one host port, so none can run until the spec is fixed`;
}

export interface DeclaredPortFact extends HostPortRef {
  fp: string;
  node: string;
  /** the IngressController's namespace and name */
  namespace: string;
  name: string;
}

/**
 * The ports each HostNetwork IngressController holds on each node its placement selects, except
 * where one of its own router pods holds that port there (the pod's allocation is the hold).
 */
export function declaredPorts(
  nodes: readonly NodeView[],
  controllers: readonly IngressControllerFact[],
  allocations: readonly AllocationFact[],
): DeclaredPortFact[] {
  const declared: DeclaredPortFact[] = [];
  for (const ic of controllers) {
    const ports = routerPorts(ic);
    if (ports.length === 0) continue;
    const router = workloadKey(routerWorkload(ic));
    const held = new Set<string>();
    for (const a of allocations) {
      if (workloadKey(workloadOf(a)) === router) held.add(`${a.node}\u0000${portKey(a)}`);
    }
    for (const node of nodes) {
      if (!placementSelects(node, ic)) continue;
      for (const port of ports) {
        if (held.has(`${node.name}\u0000${portKey(port)}`)) continue;
        const fact = { node: node.name, namespace: ic.namespace, name: ic.name, ...port };
        declared.push({ ...fact, fp: fingerprint(JSON.stringify(fact)) });
      }
    }
  }
  return declared;
}

/**
 * A declared port as the rules that read allocations see it: held by the router Deployment, so that
 * workload's own IngressController never blocks it.
 */
export function declaredAsAllocation(
  d: DeclaredPortFact,
  controllers: readonly IngressControllerFact[],
): AllocationView {
  const ic = controllers.find((c) => c.namespace === d.namespace && c.name === d.name);
  const router = routerWorkload({ name: d.name, deployment: ic?.deployment ?? null });
  return {
    node: d.node,
    namespace: router.namespace,
    pod: "",
    ownerKind: router.kind,
    ownerName: router.name,
    container: "",
    hostNetwork: true,
    protocol: d.protocol,
    hostIP: d.hostIP,
    hostPort: d.hostPort,
  };
}

/**
 * Headroom of each HostNetwork IngressController: its spec replicas (unset: 2) against the nodes it
 * could run on now (Ready, schedulable, selected, tolerated, its ports free of every other holder).
 * `maxReplicasKeepingOneSpare` is what `oc patch` should set when replicas exceed it.
 */
export function ingressControllerHeadroom(
  nodes: readonly NodeView[],
  controllers: readonly IngressControllerFact[],
  holders: ReadonlyMap<string, readonly AllocationView[]>,
  /** the cluster's observed listeners (headroom-listeners.ts); a router's ports are sockets */
  listened: ListenerHolds | null = null,
): WorkloadHeadroom[] {
  const rows: WorkloadHeadroom[] = [];
  for (const ic of controllers) {
    const ports = routerPorts(ic);
    if (ports.length === 0) continue;
    const router = workloadKey(routerWorkload(ic));
    const rules = placementRules(ic);
    const eligibleNodes = nodes
      .filter((n) => nodeEligibility(n, rules).eligible)
      .map((n) => n.name)
      .sort((a, b) => a.localeCompare(b));
    const blocked = new Set<string>();
    for (const port of ports) {
      for (const a of holders.get(portKey(port)) ?? []) {
        if (hostPortsConflict(port, a) && workloadKey(workloadOf(a)) !== router) blocked.add(a.node);
      }
    }
    const eligible = new Set(eligibleNodes);
    const byListener =
      listened?.blockedNodes(ports, true, (n) => eligible.has(n) && !blocked.has(n)) ??
      new Map<string, ListenerBlock>();
    const placeable = eligibleNodes.filter((n) => !blocked.has(n) && !byListener.has(n));
    const listenerBlockedNodes = eligibleNodes.filter((n) => byListener.has(n));
    const firstBlocked = listenerBlockedNodes[0];
    const firstBlock = firstBlocked === undefined ? undefined : byListener.get(firstBlocked);
    const replicas = ic.replicas ?? DEFAULT_ROUTER_REPLICAS;
    const headroom = Math.max(0, placeable.length - replicas);
    rows.push({
      namespace: ic.namespace,
      kind: "IngressController",
      name: ic.name,
      replicas,
      pending: Math.max(0, replicas - (ic.availableReplicas ?? 0)),
      ports,
      eligibleNodes,
      freeNodes: placeable,
      headroom,
      status: headroomStatus(headroom),
      maxReplicasKeepingOneSpare: Math.max(0, placeable.length - 1),
      listenerBlockedNodes,
      listenerExample:
        firstBlocked !== undefined && firstBlock ? listenerBlockExample(firstBlocked, firstBlock) : null,
    });
  }
  return rows;
}

/**
 * Pods' workload headroom and the IngressControllers' rows, one row per (namespace, kind, name): a
 * pod may name an IngressController as its owner (kind IngressController, beside the controller of
 * that name); the controller's own row is what that key describes, so the pods' row gives way.
 */
export function withControllerHeadroom(
  workloads: readonly WorkloadHeadroom[],
  controllers: readonly WorkloadHeadroom[],
): WorkloadHeadroom[] {
  if (controllers.length === 0) return [...workloads];
  const taken = new Set(controllers.map((c) => workloadKey(c)));
  return [...workloads.filter((w) => !taken.has(workloadKey(w))), ...controllers];
}

/** The `oc patch` that keeps one eligible node spare, when the replicas leave none; else null. */
export function replicasPatch(row: {
  kind: string;
  name: string;
  replicas: number;
  maxReplicas: number;
}): string | null {
  if (row.kind !== "IngressController" || row.replicas <= row.maxReplicas) return null;
  const replicas = Math.max(1, row.maxReplicas);
  return `oc patch ingresscontroller/${row.name} -n ${OPERATOR_NAMESPACE} --type=merge -p '{"spec":{"replicas":${replicas}}}'`;
}

/**
 * Declared ports as the port map reads them: holds of a workload of kind IngressController with no
 * pod ("declared by IngressController ns/name", pods 0), and a stand-in pod carrying its placement
 * so the row's free nodes are the ones its routers could take.
 */
export function declaredMapFacts(
  declared: readonly Pick<
    DeclaredPortFact,
    "node" | "namespace" | "name" | "protocol" | "hostIP" | "hostPort"
  >[],
  controllers: readonly (RouterPlacement & { namespace: string; name: string })[],
) {
  const allocations = declared.map((d) => ({
    node: d.node,
    namespace: d.namespace,
    pod: "",
    ownerKind: "IngressController",
    ownerName: d.name,
    protocol: d.protocol,
    hostIP: d.hostIP,
    hostPort: d.hostPort,
  }));
  const pods = controllers.map((ic) => ({
    namespace: ic.namespace,
    name: "",
    ownerKind: "IngressController",
    ownerName: ic.name,
    ...placementRules(ic),
    requiredNodeAffinity: null,
  }));
  return { allocations, pods };
}
