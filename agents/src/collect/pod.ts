/**
 * Pod → snapshot pod, with kube-scheduler's host-port rules (docs/snapshot-contract.md). Pure.
 * A pod that holds no host port and is not hostNetwork gives null: the agent keeps nothing of it.
 */
import type {
  NodeAffinity,
  Protocol,
  SnapshotPod,
  SnapshotPort,
  Toleration,
} from "../../../src/contract/snapshot.js";
import { MAX_SCHEDULING_MESSAGE } from "../../../src/contract/snapshot.js";
import type { KubeContainer, KubeObjectMeta, KubePod } from "./kube-types.js";

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

type SelectorOperator = NonNullable<
  NodeAffinity["nodeSelectorTerms"][number]["matchExpressions"]
>[number]["operator"];

export function podKey(pod: { metadata?: KubeObjectMeta }): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

/** Containers whose ports the scheduler counts: all regular ones, and sidecars (init, restartPolicy Always). */
function portHoldingContainers(pod: KubePod): KubeContainer[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  return [...sidecars, ...(pod.spec?.containers ?? [])];
}

export function hostPorts(pod: KubePod): SnapshotPort[] {
  const hostNetwork = pod.spec?.hostNetwork === true;
  const ports: SnapshotPort[] = [];
  const seen = new Set<string>();
  for (const container of portHoldingContainers(pod)) {
    for (const port of container.ports ?? []) {
      // On hostNetwork the container port is the host port (the API server defaults hostPort to it).
      const hostPort =
        port.hostPort && port.hostPort > 0 ? port.hostPort : hostNetwork ? port.containerPort : 0;
      if (!(hostPort > 0)) continue;
      const allocation: SnapshotPort = {
        container: container.name,
        containerPort: port.containerPort,
        hostPort,
        hostIP: port.hostIP || "0.0.0.0",
        // The API server only admits TCP, UDP and SCTP; parseSnapshot guards the rest before a push.
        protocol: (port.protocol || "TCP") as Protocol,
      };
      // The contract refuses a snapshot with a duplicate; one odd pod must not block a whole cluster.
      const key = `${allocation.container}|${allocation.protocol}|${allocation.hostIP}|${allocation.hostPort}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ports.push(allocation);
    }
  }
  return ports;
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

function tolerationsOf(pod: KubePod): Toleration[] {
  return (pod.spec?.tolerations ?? []).map((t) => {
    const out: Toleration = {};
    if (t.key !== undefined) out.key = t.key;
    if (t.operator !== undefined) out.operator = t.operator as Toleration["operator"];
    if (t.value !== undefined) out.value = t.value;
    if (t.effect !== undefined) out.effect = t.effect as Toleration["effect"];
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null)
      out.tolerationSeconds = t.tolerationSeconds;
    return out;
  });
}

function requiredAffinityOf(pod: KubePod): NodeAffinity | null {
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return null;
  const requirements = (list: { key: string; operator: string; values?: string[] }[] | undefined) =>
    list?.map((r) => ({
      key: r.key,
      operator: r.operator as SelectorOperator,
      ...(r.values ? { values: [...r.values] } : {}),
    }));
  return {
    nodeSelectorTerms: required.nodeSelectorTerms.map((term) => {
      const matchExpressions = requirements(term.matchExpressions);
      const matchFields = requirements(term.matchFields);
      return { ...(matchExpressions ? { matchExpressions } : {}), ...(matchFields ? { matchFields } : {}) };
    }),
  };
}

/** The pod as the snapshot carries it, or null when it holds no host port now or never did. */
export function toSnapshotPod(pod: KubePod): SnapshotPod | null {
  const hostNetwork = pod.spec?.hostNetwork === true;
  const ports = hostPorts(pod);
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
    tolerations: tolerationsOf(pod),
    requiredNodeAffinity: requiredAffinityOf(pod),
    scheduling: phase === "Pending" ? schedulingOf(pod) : null,
  };
}
