/**
 * What a port grid row is, in words a reader does not have to decode: a DaemonSet's row needs no free
 * node, a static pod's row is bound to its node, and a workload's eligible count says how many of the
 * cluster's nodes it may run on and why the others are left out.
 */
import type { DashboardCaller } from "../session.js";

export type PortMapAnswer = Awaited<ReturnType<DashboardCaller["ports"]["map"]>>;
export type PortRow = PortMapAnswer["ports"][number];
export type ConflictItem = Awaited<ReturnType<DashboardCaller["conflicts"]["list"]>>["items"][number];

/** ports.map lists an IngressController's declared ports as a workload of that kind, holding no pod. */
const DECLARING_KIND = "IngressController";
export type RowWorkload = PortRow["workloads"][number];
export interface RowHolders {
  pods: RowWorkload[];
  declared: RowWorkload[];
}
export const holdersOf = (row: PortRow): RowHolders => ({
  pods: row.workloads.filter((w) => w.kind !== DECLARING_KIND),
  declared: row.workloads.filter((w) => w.kind === DECLARING_KIND),
});

/** Pending pods that want the row's port: the scheduler found no node with it free. */
export const pendingFor = (row: PortRow, pending: readonly ConflictItem[]) =>
  pending.filter((p) => p.ports.some((q) => q.hostPort === row.hostPort && q.protocol === row.protocol));

/**
 * observed: only listeners hold the port; daemonset: every holder is a DaemonSet (one pod per eligible
 * node, no free node wanted); static: every holder is a static pod (a mirror pod owned by its Node);
 * workload: anything else, free nodes are where one more replica could go.
 */
export type RowRole = "observed" | "daemonset" | "static" | "workload";

export function rowRole(row: PortRow): RowRole {
  if (row.observedOnly) return "observed";
  const kinds = new Set(row.workloads.map((w) => w.kind));
  if (kinds.size === 1 && kinds.has("DaemonSet")) return "daemonset";
  if (kinds.size === 1 && kinds.has("Node")) return "static";
  return "workload";
}

const nodesWord = (n: number) => `${n} node${n === 1 ? "" : "s"}`;

export const ELIGIBLE_TITLE =
  "Eligible: nodes a pod of the holders may be scheduled on — Ready, not cordoned, matching the node selector and required affinity, every taint tolerated. Free: eligible nodes where the port is still free.";

/**
 * "1 of 17 nodes eligible — 16 excluded by …", and holders on nodes that are no longer eligible. A
 * row a DaemonSet or static pod shares is judged by one of its pods, pinned to its node (below): only
 * other rows can tell a holder outside the eligible nodes, which then is cordoned, NotReady or relabelled.
 */
export function eligibleText(row: PortRow, clusterNodes: number): string {
  const excluded = clusterNodes - row.eligibleNodes;
  const parts = [
    excluded > 0
      ? `${row.eligibleNodes} of ${nodesWord(clusterNodes)} eligible — ${excluded} excluded by node selector, taints or cordon`
      : `all ${nodesWord(clusterNodes)} eligible`,
  ];
  const outside = row.heldCount - row.eligibleNodes;
  const pinned = row.workloads.some((w) => w.kind === "DaemonSet" || w.kind === "Node");
  if (outside > 0 && !pinned)
    parts.push(`held on ${outside} more not eligible now (cordoned, NotReady or relabelled)`);
  return parts.join("; ");
}

/** "DaemonSet · on every eligible node", then where it runs. */
export const DAEMONSET_KIND = "DaemonSet · on every eligible node";

/**
 * Where a DaemonSet runs: on how many of the cluster's nodes, and its pods still pending. Its eligible
 * count is not used: the DaemonSet controller pins each pod to its node (required affinity on
 * metadata.name), so the map judges the row by one pod and counts the one node it is pinned to.
 */
export const daemonSetText = (pods: number, clusterNodes: number, pending: number): string =>
  `runs on ${pods} of the cluster's ${nodesWord(clusterNodes)}${pending > 0 ? `; ${pending} pending` : ""}`;

export const DAEMONSET_FREE_TITLE =
  "A DaemonSet runs one pod on each eligible node: it needs no free node, so no free count is shown. Pods that cannot start are listed as pending.";
export const STATIC_FREE_TITLE =
  "Static pods are bound to the node whose kubelet reads their manifest: no other node can run them, so no free count is shown.";

/** Why a node is left out of scheduling, for its column: "cordoned", "NotReady", or both. */
export function nodeStateText(node: { cordoned: boolean; ready: boolean }): string {
  return [node.cordoned ? "cordoned" : "", node.ready ? "" : "NotReady"].filter(Boolean).join(", ");
}

/** The cluster's nodes in one line: how many, how many take new pods, and which do not. */
export function clusterNodesText(map: PortMapAnswer): string {
  const out = map.nodes - map.schedulableNodes;
  if (out <= 0) return `${nodesWord(map.nodes)}, all schedulable`;
  const named = map.unschedulableNodes.map((n) => `${n.name} ${nodeStateText(n)}`).join(", ");
  const more = out > map.unschedulableNodes.length ? `, +${out - map.unschedulableNodes.length} more` : "";
  return `${nodesWord(map.nodes)}, ${map.schedulableNodes} schedulable (${named}${more})`;
}
