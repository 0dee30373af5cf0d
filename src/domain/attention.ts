/**
 * What needs attention in the fleet, most urgent first: pods Pending for want of a host port (a
 * conflict: the scheduler's NodePorts message), other Pending pods (of every kind, DaemonSets too),
 * workloads with no headroom, clusters whose agent went silent, workloads with low headroom, and
 * nodes listening on ports no pod declares. Pure: the service reads each kind's few worst rows.
 */

export type AttentionItem =
  | {
      kind: "conflict" | "pending";
      cluster: string;
      namespace: string;
      /** the pods' owner (DaemonSet, ReplicaSet…) or "Pod" for a bare pod */
      ownerKind: string;
      ownerName: string;
      pods: number;
      /** the host ports the pods declare, e.g. "9100/TCP" */
      ports: { hostPort: number; protocol: string }[];
      /** since when the oldest of them has been Pending */
      since: string;
    }
  | {
      kind: "no-headroom" | "low-headroom";
      cluster: string;
      namespace: string;
      ownerKind: string;
      ownerName: string;
      headroom: number;
      pending: number;
    }
  | { kind: "stale"; cluster: string; lastSeenAt: string | null }
  | { kind: "undeclared-listeners"; cluster: string; listeners: number; observedNodes: number };

export type AttentionKind = AttentionItem["kind"];

/** Urgency of each kind: a conflict blocks a rollout now, a listener no pod declares may one day. */
export const ATTENTION_ORDER: readonly AttentionKind[] = [
  "conflict",
  "pending",
  "no-headroom",
  "stale",
  "low-headroom",
  "undeclared-listeners",
];

/**
 * The first `top` items across kinds, in ATTENTION_ORDER (each kind's list already worst first), and
 * how many items there are in all (each kind's total, counted by the reads).
 */
export function rankAttention(
  lists: ReadonlyMap<AttentionKind, { items: readonly AttentionItem[]; total: number }>,
  top: number,
): { items: AttentionItem[]; total: number; more: number } {
  const items: AttentionItem[] = [];
  let total = 0;
  for (const kind of ATTENTION_ORDER) {
    const list = lists.get(kind);
    if (!list) continue;
    total += list.total;
    for (const item of list.items) if (items.length < top) items.push(item);
  }
  return { items, total, more: total - items.length };
}
