/**
 * Workloads as the planning modules see them: pods grouped by namespace + owner (bare pods are
 * their own workload). DaemonSets and static pods (owner Node) hold ports on every node they run
 * on, but they never move or scale by replicas, so they only ever appear as blockers.
 */
export interface WorkloadRef {
  namespace: string;
  kind: string;
  name: string;
}

/** Pods without an owner are their own workload, of kind "Pod". */
export function workloadOf(a: {
  namespace: string;
  pod: string;
  ownerKind: string | null;
  ownerName: string | null;
}): WorkloadRef {
  return { namespace: a.namespace, kind: a.ownerKind ?? "Pod", name: a.ownerName ?? a.pod };
}

export function workloadOfPod(pod: {
  namespace: string;
  name: string;
  ownerKind: string | null;
  ownerName: string | null;
}): WorkloadRef {
  return workloadOf({
    namespace: pod.namespace,
    pod: pod.name,
    ownerKind: pod.ownerKind,
    ownerName: pod.ownerName,
  });
}

/** "namespace/Kind/name": a map key and the label people read. */
export const workloadKey = (w: WorkloadRef): string => `${w.namespace}/${w.kind}/${w.name}`;

export const isBlockerOnly = (w: WorkloadRef): boolean => w.kind === "DaemonSet" || w.kind === "Node";

/** How answers show an owner: {kind, name}, or null for a bare pod. */
export function ownerOf(row: { ownerKind: string | null; ownerName: string | null }) {
  return row.ownerKind && row.ownerName ? { kind: row.ownerKind, name: row.ownerName } : null;
}
