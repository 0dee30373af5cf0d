/** Node → snapshot node. Pure. */
import type { SnapshotNode, Taint } from "../../../src/contract/snapshot.js";
import type { KubeNode } from "./kube-types.js";

export function toSnapshotNode(node: KubeNode): SnapshotNode | null {
  const name = node.metadata?.name;
  if (!name) return null;
  return {
    name,
    labels: { ...(node.metadata?.labels ?? {}) },
    unschedulable: node.spec?.unschedulable === true,
    ready: node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    // timeAdded is left out: it is not state the scheduler uses, and it would make every hash differ.
    taints: (node.spec?.taints ?? []).map((t) => ({
      key: t.key,
      ...(t.value !== undefined && t.value !== "" ? { value: t.value } : {}),
      // The API server admits only the three effects; parseSnapshot guards the rest before a push.
      effect: t.effect as Taint["effect"],
    })),
    addresses: (node.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
  };
}
