/**
 * Canonical form of a snapshot's state: every object rebuilt with a fixed key order and every list
 * and map sorted, so the same cluster state always serialises (JSON.stringify) to the same bytes,
 * whatever order the agent listed things in. The hash covers the state only (cluster, nodes, pods) —
 * not observedAt or agent info — so "nothing changed" is one comparison.
 */
import { createHash } from "node:crypto";
import type {
  NodeAffinity,
  Snapshot,
  SnapshotNode,
  SnapshotPod,
  Taint,
  Toleration,
} from "../contract/snapshot.js";

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort(byString)) out[key] = record[key] as string;
  return out;
}

/** Sorts small lists of objects by their (already canonical) serialisation. */
function sortedBySerialisation<T>(items: readonly T[]): T[] {
  return items
    .map((item) => [JSON.stringify(item), item] as const)
    .sort((a, b) => byString(a[0], b[0]))
    .map(([, item]) => item);
}

const taint = (t: Taint): Taint => ({ key: t.key, value: t.value ?? "", effect: t.effect });

const toleration = (t: Toleration): Toleration => ({
  key: t.key ?? "",
  operator: t.operator ?? "Equal",
  value: t.value ?? "",
  effect: t.effect ?? "",
  tolerationSeconds: t.tolerationSeconds ?? null,
});

function affinity(a: NodeAffinity | null): NodeAffinity | null {
  if (!a) return null;
  const requirements = (
    list: NonNullable<NodeAffinity["nodeSelectorTerms"][number]["matchExpressions"]> | undefined,
  ) =>
    (list ?? []).map((r) => ({
      key: r.key,
      operator: r.operator,
      values: [...(r.values ?? [])].sort(byString),
    }));
  // Terms keep their order: they are OR-ed, and order carries no meaning, but neither does sorting help.
  return {
    nodeSelectorTerms: a.nodeSelectorTerms.map((term) => ({
      matchExpressions: requirements(term.matchExpressions),
      matchFields: requirements(term.matchFields),
    })),
  };
}

function canonicalNode(node: SnapshotNode): SnapshotNode {
  return {
    name: node.name,
    labels: sortedRecord(node.labels),
    unschedulable: node.unschedulable,
    ready: node.ready,
    taints: sortedBySerialisation(node.taints.map(taint)),
    addresses: sortedBySerialisation(node.addresses.map((a) => ({ type: a.type, address: a.address }))),
  };
}

function canonicalPod(pod: SnapshotPod): SnapshotPod {
  const ports = pod.ports
    .map((p) => ({
      container: p.container,
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      hostIP: p.hostIP,
      protocol: p.protocol,
    }))
    .sort(
      (a, b) =>
        byString(a.container, b.container) ||
        byString(a.protocol, b.protocol) ||
        byString(a.hostIP, b.hostIP) ||
        a.hostPort - b.hostPort ||
        a.containerPort - b.containerPort,
    );
  return {
    namespace: pod.namespace,
    name: pod.name,
    node: pod.node,
    phase: pod.phase,
    hostNetwork: pod.hostNetwork,
    owner: pod.owner ? { kind: pod.owner.kind, name: pod.owner.name } : null,
    ports,
    nodeSelector: sortedRecord(pod.nodeSelector),
    tolerations: sortedBySerialisation(pod.tolerations.map(toleration)),
    requiredNodeAffinity: affinity(pod.requiredNodeAffinity),
    scheduling: pod.scheduling
      ? { unschedulable: pod.scheduling.unschedulable, message: pod.scheduling.message }
      : null,
  };
}

export interface CanonicalState {
  cluster: string;
  nodes: SnapshotNode[];
  pods: SnapshotPod[];
}

export function canonicalState(snapshot: Snapshot): CanonicalState {
  return {
    cluster: snapshot.cluster,
    nodes: snapshot.nodes.map(canonicalNode).sort((a, b) => byString(a.name, b.name)),
    pods: snapshot.pods
      .map(canonicalPod)
      .sort((a, b) => byString(a.namespace, b.namespace) || byString(a.name, b.name)),
  };
}

/**
 * SHA-256 (hex) of the canonical state. node:crypto (also on Workers with nodejs_compat) hashes the
 * string in place and synchronously; WebCrypto needed an encoded copy and a thread-pool hop per push.
 */
export async function stateHash(state: CanonicalState): Promise<string> {
  return createHash("sha256").update(JSON.stringify(state)).digest("hex");
}
