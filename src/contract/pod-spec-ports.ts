/**
 * A pod spec's host ports and placement rules, by kube-scheduler's rules (docs/snapshot-contract.md).
 * Pure and structural: the agent reads live pods with it, the server reads pod templates of a
 * manifest (`plan fit -f`), so both count the same ports. Values are taken as they are: the agent's
 * come from the API server (already valid), a manifest's are checked by the caller.
 */
import type { NodeAffinity, Protocol, SnapshotPort, Toleration } from "./schema.js";

export interface PodSpecContainerPort {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}

export interface PodSpecContainer {
  name: string;
  ports?: PodSpecContainerPort[];
  /** Only init containers have it; "Always" makes an init container a sidecar that runs alongside. */
  restartPolicy?: string;
}

export interface PodSpecRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface PodSpecToleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number | null;
}

/** The fields of a Pod's spec (or a template's) that host ports and placement depend on. */
export interface PodSpecFields {
  hostNetwork?: boolean;
  containers?: PodSpecContainer[];
  initContainers?: PodSpecContainer[];
  nodeSelector?: Record<string, string>;
  tolerations?: PodSpecToleration[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: { matchExpressions?: PodSpecRequirement[]; matchFields?: PodSpecRequirement[] }[];
      };
    };
  };
}

/** Containers whose ports the scheduler counts: all regular ones, and sidecars (init, restartPolicy Always). */
function portHoldingContainers(spec: PodSpecFields): PodSpecContainer[] {
  const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  return [...sidecars, ...(spec.containers ?? [])];
}

export function podSpecHostPorts(spec: PodSpecFields | undefined): SnapshotPort[] {
  if (!spec) return [];
  const hostNetwork = spec.hostNetwork === true;
  const ports: SnapshotPort[] = [];
  const seen = new Set<string>();
  for (const container of portHoldingContainers(spec)) {
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

/** A toleration as the contract holds it: the API object's fields that are set, nothing else. */
export function contractToleration(t: PodSpecToleration): Toleration {
  const out: Toleration = {};
  if (t.key !== undefined) out.key = t.key;
  if (t.operator !== undefined) out.operator = t.operator as Toleration["operator"];
  if (t.value !== undefined) out.value = t.value;
  if (t.effect !== undefined) out.effect = t.effect as Toleration["effect"];
  if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null)
    out.tolerationSeconds = t.tolerationSeconds;
  return out;
}

export function podSpecTolerations(spec: PodSpecFields | undefined): Toleration[] {
  return (spec?.tolerations ?? []).map(contractToleration);
}

type SelectorOperator = NonNullable<
  NodeAffinity["nodeSelectorTerms"][number]["matchExpressions"]
>[number]["operator"];

export function podSpecRequiredAffinity(spec: PodSpecFields | undefined): NodeAffinity | null {
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return null;
  const requirements = (list: PodSpecRequirement[] | undefined) =>
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
