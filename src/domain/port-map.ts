/**
 * The cluster's port allocation map, the document teams keep by hand: per (protocol, hostPort,
 * hostIP) which workloads hold it, on which nodes, and which schedulable nodes could still take it.
 */
import { type HostPortRef, hostPortsConflict } from "./ports.js";

export interface MapNode {
  name: string;
  ready: boolean;
  unschedulable: boolean;
}

export interface MapAllocation extends HostPortRef {
  node: string;
  namespace: string;
  pod: string;
  ownerKind: string | null;
  ownerName: string | null;
}

export interface WorkloadRef {
  namespace: string;
  kind: string;
  name: string;
}

/** Pods without an owner are their own workload. */
export function workloadOf(a: {
  namespace: string;
  pod: string;
  ownerKind: string | null;
  ownerName: string | null;
}): WorkloadRef {
  return { namespace: a.namespace, kind: a.ownerKind ?? "Pod", name: a.ownerName ?? a.pod };
}

export interface PortMapRow {
  protocol: string;
  hostPort: number;
  hostIP: string;
  workloads: (WorkloadRef & { pods: number })[];
  nodes: string[];
  freeNodes: string[];
}

export interface PortMap {
  schedulableNodes: string[];
  rows: PortMapRow[];
}

export function buildPortMap(nodes: readonly MapNode[], allocations: readonly MapAllocation[]): PortMap {
  const schedulableNodes = nodes
    .filter((n) => n.ready && !n.unschedulable)
    .map((n) => n.name)
    .sort();
  // Per node, per protocol/port: what is held there — the only candidates for a conflict.
  const heldByNode = new Map<string, Map<string, HostPortRef[]>>();
  const rows = new Map<
    string,
    { row: PortMapRow; workloads: Map<string, WorkloadRef & { pods: Set<string> }> }
  >();
  for (const a of allocations) {
    const portKey = `${a.protocol}/${a.hostPort}`;
    const held = heldByNode.get(a.node) ?? new Map<string, HostPortRef[]>();
    heldByNode.set(a.node, held);
    held.set(portKey, [...(held.get(portKey) ?? []), a]);

    const rowKey = `${portKey}/${a.hostIP}`;
    let entry = rows.get(rowKey);
    if (!entry) {
      entry = {
        row: {
          protocol: a.protocol,
          hostPort: a.hostPort,
          hostIP: a.hostIP,
          workloads: [],
          nodes: [],
          freeNodes: [],
        },
        workloads: new Map(),
      };
      rows.set(rowKey, entry);
    }
    if (!entry.row.nodes.includes(a.node)) entry.row.nodes.push(a.node);
    const workload = workloadOf(a);
    const workloadKey = `${workload.namespace}/${workload.kind}/${workload.name}`;
    const w = entry.workloads.get(workloadKey) ?? { ...workload, pods: new Set<string>() };
    w.pods.add(`${a.namespace}/${a.pod}`);
    entry.workloads.set(workloadKey, w);
  }
  const result: PortMapRow[] = [];
  for (const { row, workloads } of rows.values()) {
    row.nodes.sort();
    row.workloads = [...workloads.values()]
      .map(({ pods, ...w }) => ({ ...w, pods: pods.size }))
      .sort((x, y) => `${x.namespace}/${x.name}`.localeCompare(`${y.namespace}/${y.name}`));
    row.freeNodes = schedulableNodes.filter((node) => {
      const held = heldByNode.get(node)?.get(`${row.protocol}/${row.hostPort}`) ?? [];
      return !held.some((h) => hostPortsConflict(row, h));
    });
    result.push(row);
  }
  result.sort(
    (x, y) =>
      x.hostPort - y.hostPort || x.protocol.localeCompare(y.protocol) || x.hostIP.localeCompare(y.hostIP),
  );
  return { schedulableNodes, rows: result };
}

/** The compact per-port figures kept on the cluster row for /metrics and the fleet view. */
export interface PortSummary {
  protocol: string;
  hostPort: number;
  hostIP: string;
  held: number;
  free: number;
}

export function summarisePortMap(map: PortMap): PortSummary[] {
  return map.rows.map((r) => ({
    protocol: r.protocol,
    hostPort: r.hostPort,
    hostIP: r.hostIP,
    held: r.nodes.length,
    free: r.freeNodes.length,
  }));
}
