/**
 * The node listener matrix: per node role, every listening protocol/port with where it listens
 * (scopes), who holds it (processes, pods) and whether pods declare it, on how many nodes. Its
 * commatrix form (commatrixRows) follows how openshift-kni/commatrix builds its ss-generated matrix:
 * loopback listeners dropped, IPv4 and IPv6 sockets of one port folded into one row, Service the
 * first process's name (as ss prints it, cut to 15 characters), every other listener kept (ports in
 * the outgoing-connection range, pod-network and link-local addresses included).
 */
import type {
  AttributionTier,
  ListenerPod,
  ListenerProtocol,
  ListenerScope,
  ObservedListener,
} from "../contract/listeners.js";
import { classifyListener, type ListenerClass } from "./listener-classes.js";
import type { AllocationView } from "./views.js";

export interface MatrixNode {
  node: string;
  /** the node's group in the matrix, "master" or "worker" (nodeRoleOf reads it from labels) */
  role: string;
  attribution: AttributionTier;
  listeners: readonly ObservedListener[];
}

export interface ListenerMatrixRow {
  nodeRole: string;
  protocol: ListenerProtocol;
  port: number;
  /** every scope the port is bound in on any node of the role, in ListenerScope order */
  scopes: ListenerScope[];
  /** process names in the order first seen (the first is commatrix's Service) */
  processes: string[];
  pods: ListenerPod[];
  classes: ListenerClass[];
  /** every listener of the row is declared by a pod */
  declared: boolean;
  /** how many nodes of the role listen on it, and which */
  nodes: number;
  nodeNames: string[];
}

const SCOPE_ORDER: readonly ListenerScope[] = ["wildcard", "address", "loopback"];
const CLASS_ORDER: readonly ListenerClass[] = [
  "declared",
  "undeclared-host-network",
  "host-service",
  "unknown",
];

const MASTER_ROLES = ["master", "control-plane"];

/**
 * The role of a node by its `node-role.kubernetes.io/<role>` labels, the way commatrix groups nodes
 * when no MachineConfigPool says otherwise: a control-plane node is "master" even when it is also a
 * worker (single-node OpenShift), then "worker", then the first other role, "" when none.
 */
export function nodeRoleOf(labels: Readonly<Record<string, string>>): string {
  const roles = Object.keys(labels)
    .filter((key) => key.startsWith("node-role.kubernetes.io/"))
    .map((key) => key.slice("node-role.kubernetes.io/".length))
    .sort();
  if (roles.some((r) => MASTER_ROLES.includes(r))) return "master";
  if (roles.includes("worker")) return "worker";
  return roles[0] ?? "";
}

interface RowBuilder {
  row: ListenerMatrixRow;
  scopes: Set<ListenerScope>;
  classes: Set<ListenerClass>;
  podKeys: Set<string>;
}

const orderBy = <T>(order: readonly T[], values: Set<T>) => order.filter((v) => values.has(v));

/** `allocations` are the cluster's (each node's classification reads its own). */
export function listenerMatrix(
  nodes: readonly MatrixNode[],
  allocations: readonly AllocationView[],
): ListenerMatrixRow[] {
  const rows = new Map<string, RowBuilder>();
  for (const node of nodes) {
    for (const listener of node.listeners) {
      const key = `${node.role}|${listener.protocol}|${listener.port}`;
      let entry = rows.get(key);
      if (!entry) {
        entry = {
          row: {
            nodeRole: node.role,
            protocol: listener.protocol,
            port: listener.port,
            scopes: [],
            processes: [],
            pods: [],
            classes: [],
            declared: true,
            nodes: 0,
            nodeNames: [],
          },
          scopes: new Set(),
          classes: new Set(),
          podKeys: new Set(),
        };
        rows.set(key, entry);
      }
      const { row } = entry;
      const cls = classifyListener(node.node, node.attribution, listener, allocations).class;
      entry.classes.add(cls);
      if (cls !== "declared") row.declared = false;
      entry.scopes.add(listener.scope);
      for (const p of listener.processes) if (!row.processes.includes(p.name)) row.processes.push(p.name);
      const pod = listener.pod;
      if (pod) {
        const podKey = `${pod.namespace}/${pod.name}/${pod.container ?? ""}`;
        if (!entry.podKeys.has(podKey)) {
          entry.podKeys.add(podKey);
          row.pods.push(pod);
        }
      }
      if (!row.nodeNames.includes(node.node)) row.nodeNames.push(node.node);
    }
  }
  return [...rows.values()]
    .map(({ row, scopes, classes }) => ({
      ...row,
      scopes: orderBy(SCOPE_ORDER, scopes),
      classes: orderBy(CLASS_ORDER, classes),
      nodeNames: row.nodeNames.sort(),
      nodes: row.nodeNames.length,
    }))
    .sort(compareRows);
}

function compareRows(a: ListenerMatrixRow, b: ListenerMatrixRow): number {
  if (a.nodeRole !== b.nodeRole) return a.nodeRole < b.nodeRole ? -1 : 1;
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  return a.port - b.port;
}

/** One row of commatrix's CSV, columns in its order (`NodeGroup` is `Node Role` in its docs). */
export interface CommatrixRow {
  direction: "Ingress";
  protocol: ListenerProtocol;
  port: number;
  namespace: string;
  service: string;
  pod: string;
  container: string;
  nodeGroup: string;
  optional: boolean;
}

export const COMMATRIX_COLUMNS = [
  "Direction",
  "Protocol",
  "Port",
  "Namespace",
  "Service",
  "Pod",
  "Container",
  "NodeGroup",
  "Optional",
] as const;

/** Listened on somewhere other than loopback: what commatrix keeps. */
export const reachableFromOffNode = (row: Pick<ListenerMatrixRow, "scopes">) =>
  row.scopes.some((scope) => scope !== "loopback");

/**
 * The matrix as commatrix writes it. Build the matrix from listeners without loopback ones for the
 * Service and pod columns to come from off-node sockets only (as commatrix drops loopback lines
 * first); rows only on loopback are dropped either way. Namespace/Pod/Container are the first pod
 * attributed (the JSON rows carry all of them); Optional is false, as in commatrix's generated matrix.
 */
export function commatrixRows(rows: readonly ListenerMatrixRow[]): CommatrixRow[] {
  return rows.filter(reachableFromOffNode).map((row) => {
    const pod = row.pods[0];
    return {
      direction: "Ingress",
      protocol: row.protocol,
      port: row.port,
      namespace: pod?.namespace ?? "",
      service: row.processes[0] ?? "",
      pod: pod?.name ?? "",
      container: pod?.container ?? "",
      nodeGroup: row.nodeRole,
      optional: false,
    };
  });
}

/** The listeners a node reaches others with: commatrix's input, loopback ones dropped. */
export const withoutLoopback = (node: MatrixNode): MatrixNode => ({
  ...node,
  listeners: node.listeners.filter((l) => l.scope !== "loopback"),
});

export const LISTENER_MATRIX_EXPORT_KIND = "portolan.listener-matrix";

export interface ListenerMatrixExport {
  kind: typeof LISTENER_MATRIX_EXPORT_KIND;
  version: 1;
  cluster: string;
  rows: ListenerMatrixRow[];
}

/** The JSON export, also what `diffMatrix` reads back as a baseline. */
export const listenerMatrixExport = (cluster: string, rows: ListenerMatrixRow[]): ListenerMatrixExport => ({
  kind: LISTENER_MATRIX_EXPORT_KIND,
  version: 1,
  cluster,
  rows,
});
