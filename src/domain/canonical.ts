/**
 * Canonical form of a snapshot's state: sorted so that the same cluster state always serialises to
 * the same bytes, whatever order the agent listed things in. The hash covers the state only
 * (cluster, nodes, pods) — not observedAt or agent info — so "nothing changed" is one comparison.
 */
import type { Snapshot, SnapshotNode, SnapshotPod } from "../contract/snapshot.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with object keys sorted recursively; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value as Json;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byJson = <T>(items: readonly T[]) =>
  items
    .map((item) => [canonicalJson(item), item] as const)
    .sort((a, b) => byString(a[0], b[0]))
    .map(([, item]) => item);

function canonicalNode(node: SnapshotNode): SnapshotNode {
  return { ...node, taints: byJson(node.taints), addresses: byJson(node.addresses) };
}

function canonicalPod(pod: SnapshotPod): SnapshotPod {
  const ports = [...pod.ports].sort(
    (a, b) =>
      byString(a.container, b.container) ||
      byString(a.protocol, b.protocol) ||
      byString(a.hostIP, b.hostIP) ||
      a.hostPort - b.hostPort ||
      a.containerPort - b.containerPort,
  );
  return { ...pod, ports, tolerations: byJson(pod.tolerations) };
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

/** SHA-256 (hex) of the canonical state; WebCrypto so it runs on Node and on Workers alike. */
export async function stateHash(state: CanonicalState): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(state));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
