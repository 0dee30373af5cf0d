/**
 * Pod → snapshot pod, with kube-scheduler's host-port rules (src/contract/pod-spec-ports.ts, shared
 * with `plan fit -f`). Pure.
 * A pod that holds no host port and is not hostNetwork gives null: the agent keeps nothing of it.
 */
import {
  podSpecHostPorts,
  podSpecRequiredAffinity,
  podSpecTolerations,
} from "../../../src/contract/pod-spec-ports.js";
import type { SnapshotPod } from "../../../src/contract/snapshot.js";
import { MAX_SCHEDULING_MESSAGE } from "../../../src/contract/snapshot.js";
import type { KubeObjectMeta, KubePod } from "./kube-types.js";

/**
 * Free text from the cluster (the scheduler's message) as the contract stores it: NUL characters
 * removed (PostgreSQL text cannot hold them, and they carry nothing for a reader) and cut to `max`
 * UTF-16 units without splitting a surrogate pair (a lone half is not storable either). Names and
 * labels are never altered this way: they are identities, and the API server already forbids both.
 */
export function storableText(text: string, max: number): string {
  const clean = text.includes("\0") ? text.replaceAll("\0", "") : text;
  if (clean.length <= max) return clean;
  const last = clean.charCodeAt(max - 1);
  return clean.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

export function podKey(pod: { metadata?: KubeObjectMeta }): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

/**
 * The workload that owns the pod, from its controller reference. A Deployment's ReplicaSet is named
 * `<deployment>-<pod-template-hash>`, so the Deployment is found from the pod's own label without
 * reading ReplicaSets (no extra RBAC); likewise an OpenShift DeploymentConfig's ReplicationController.
 */
export function resolveOwner(meta: KubeObjectMeta | undefined): SnapshotPod["owner"] {
  const refs = meta?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  if (!ref) return null;
  const labels = meta?.labels ?? {};
  if (ref.kind === "ReplicaSet") {
    const hash = labels["pod-template-hash"];
    if (hash && ref.name.length > hash.length + 1 && ref.name.endsWith(`-${hash}`)) {
      return { kind: "Deployment", name: ref.name.slice(0, -(hash.length + 1)) };
    }
  }
  if (ref.kind === "ReplicationController") {
    const config = labels.deploymentconfig;
    if (config && new RegExp(`^${escapeRegExp(config)}-\\d+$`).test(ref.name)) {
      return { kind: "DeploymentConfig", name: config };
    }
  }
  return { kind: ref.kind, name: ref.name };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Pending pods the scheduler could not place carry its PodScheduled=False message (which nodes, why). */
export function schedulingOf(pod: KubePod): SnapshotPod["scheduling"] {
  const condition = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (!condition) return null;
  const message = condition.message ?? condition.reason ?? "";
  return {
    unschedulable: condition.reason === "Unschedulable",
    message: storableText(message, MAX_SCHEDULING_MESSAGE),
  };
}

function phaseOf(pod: KubePod): SnapshotPod["phase"] | null {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return null; // terminated: holds no ports
  if (phase === "Running" || phase === "Unknown") return phase;
  return "Pending"; // also a pod so new that it has no status yet
}

/** The pod as the snapshot carries it, or null when it holds no host port now or never did. */
export function toSnapshotPod(pod: KubePod): SnapshotPod | null {
  const hostNetwork = pod.spec?.hostNetwork === true;
  const ports = podSpecHostPorts(pod.spec);
  // hostNetwork pods are kept even without declared ports: they listen where the scheduler can't see.
  if (!hostNetwork && ports.length === 0) return null;
  const phase = phaseOf(pod);
  if (phase === null) return null;
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return null;
  return {
    namespace,
    name,
    node: pod.spec?.nodeName || null,
    phase,
    hostNetwork,
    owner: resolveOwner(pod.metadata),
    ports,
    nodeSelector: { ...(pod.spec?.nodeSelector ?? {}) },
    tolerations: podSpecTolerations(pod.spec),
    requiredNodeAffinity: podSpecRequiredAffinity(pod.spec),
    scheduling: phase === "Pending" ? schedulingOf(pod) : null,
  };
}
