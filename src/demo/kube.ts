/**
 * Builders for the demo fleet's nodes and pods, in the snapshot contract's shape and with the names
 * and labels real clusters carry (the agent's view: a Deployment's pods are owned by the Deployment).
 */
import type { SnapshotInput } from "../contract/snapshot.js";
import { nameSuffix, templateHash } from "./random.js";

export type DemoNode = SnapshotInput["nodes"][number];
export type DemoPod = SnapshotInput["pods"][number];
export type DemoIngressController = NonNullable<SnapshotInput["ingressControllers"]>[number];
type Toleration = NonNullable<DemoPod["tolerations"]>[number];

export type Distribution = "openshift" | "kubernetes" | "k3s";
export type NodeRole = "control-plane" | "infra" | "worker";

export interface NodeSpec {
  name: string;
  role: NodeRole;
  zone: string;
  ip: string;
  cordoned?: boolean;
  notReady?: boolean;
  /** extra free-text addresses (the demo's escaping probe lives in one) */
  extraAddresses?: { type: string; address: string }[];
}

type Taint = NonNullable<DemoNode["taints"]>[number];

/** The control-plane label and taint each distribution puts on its control plane. */
function controlPlane(distribution: Distribution): { labels: Record<string, string>; taints: Taint[] } {
  if (distribution === "openshift") {
    return {
      labels: { "node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": "" },
      taints: [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }],
    };
  }
  if (distribution === "k3s") {
    // k3s servers run workloads: labelled, not tainted.
    return {
      labels: { "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true" },
      taints: [],
    };
  }
  return {
    labels: { "node-role.kubernetes.io/control-plane": "" },
    taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
  };
}

export function node(spec: NodeSpec, distribution: Distribution, region: string): DemoNode {
  const role =
    spec.role === "control-plane"
      ? controlPlane(distribution)
      : { labels: { [`node-role.kubernetes.io/${spec.role}`]: "" }, taints: [] };
  const taints: Taint[] = [...role.taints];
  if (spec.cordoned) taints.push({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" });
  if (spec.notReady) {
    taints.push(
      { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
      { key: "node.kubernetes.io/unreachable", effect: "NoExecute" },
    );
  }
  return {
    name: spec.name,
    labels: {
      "kubernetes.io/hostname": spec.name,
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "topology.kubernetes.io/region": region,
      "topology.kubernetes.io/zone": spec.zone,
      ...role.labels,
    },
    unschedulable: spec.cordoned ?? false,
    ready: !spec.notReady,
    taints,
    addresses: [
      { type: "InternalIP", address: spec.ip },
      { type: "Hostname", address: spec.name },
      ...(spec.extraAddresses ?? []),
    ],
  };
}

export interface PortSpec {
  container: string;
  port: number;
  protocol?: "TCP" | "UDP";
  hostIP?: string;
}

export type DeploymentSlot = ({ node: string } | { pending: string }) & { key?: string };

export interface WorkloadSpec {
  namespace: string;
  name: string;
  hostNetwork: boolean;
  ports: PortSpec[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

/** Builds pods whose names are stable for one (cluster, workload, generation, slot). */
export class PodFactory {
  constructor(
    private readonly seed: number,
    private readonly cluster: string,
  ) {}

  private suffix(key: string): string {
    return nameSuffix(this.seed, `${this.cluster}/${key}`, 5);
  }

  private base(w: WorkloadSpec, name: string, owner: DemoPod["owner"]): DemoPod {
    return {
      namespace: w.namespace,
      name,
      node: null,
      phase: "Running",
      hostNetwork: w.hostNetwork,
      owner,
      ports: w.ports.map((p) => ({
        container: p.container,
        containerPort: p.port,
        hostPort: p.port,
        protocol: p.protocol ?? "TCP",
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      })),
      nodeSelector: w.nodeSelector ?? {},
      tolerations: w.tolerations ?? [],
    };
  }

  /**
   * One pod per node, pinned as the DaemonSet controller pins them (matchFields on the node name);
   * `pending` maps a node to the scheduler's message for a pod that cannot start there.
   */
  daemonSet(
    w: WorkloadSpec,
    nodes: readonly NodeSpec[],
    generation = 1,
    pending = new Map<string, string>(),
  ) {
    return nodes.map((n): DemoPod => {
      const pod = this.base(
        w,
        `${w.name}-${this.suffix(`${w.namespace}/${w.name}/${generation}/${n.name}`)}`,
        { kind: "DaemonSet", name: w.name },
      );
      const message = pending.get(n.name);
      return {
        ...pod,
        node: message === undefined ? n.name : null,
        phase: message === undefined ? "Running" : "Pending",
        requiredNodeAffinity: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [n.name] }] }],
        },
        scheduling: message === undefined ? null : { unschedulable: true, message },
      };
    });
  }

  /**
   * A Deployment's pods: each slot is a node, or a scheduler message for a Pending replica; a slot's
   * `key` (default: its index) names its pod, so a replacement pod gets a new key and a new name.
   */
  deployment(w: WorkloadSpec, slots: readonly DeploymentSlot[], generation = 1) {
    const hash = templateHash(this.seed, `${this.cluster}/${w.namespace}/${w.name}/${generation}`);
    return slots.map((slot, i): DemoPod => {
      const pod = this.base(
        w,
        `${w.name}-${hash}-${this.suffix(`${w.name}/${generation}/${slot.key ?? i}`)}`,
        {
          kind: "Deployment",
          name: w.name,
        },
      );
      return "node" in slot
        ? { ...pod, node: slot.node }
        : { ...pod, phase: "Pending", scheduling: { unschedulable: true, message: slot.pending } };
    });
  }

  /** Static pods the kubelet runs from manifests: owned by their Node, named after it. */
  staticPod(w: WorkloadSpec, nodeName: string): DemoPod {
    return { ...this.base(w, `${w.name}-${nodeName}`, { kind: "Node", name: nodeName }), node: nodeName };
  }
}

/** Tolerates every taint, as node agents (DaemonSets) do. */
export const TOLERATE_ALL: Toleration[] = [{ operator: "Exists" }];

/** The scheduler's message for a pod no node can take because of its host ports. */
export function noFreePorts(total: number, blocked: number, others: string[] = []): string {
  const reasons = [`${blocked} node(s) didn't have free ports for the requested pod ports`, ...others];
  return `0/${total} nodes are available: ${reasons.join(", ")}.`;
}
