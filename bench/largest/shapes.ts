/**
 * The largest snapshots the contract accepts, each at a different bound: total host ports concentrated
 * on few pods spread over the most nodes (the most port-map rows times nodes), the most nodes filling
 * the body limit, the most pods, and the realistic 5,000-node cluster for scale.
 */
import {
  MAX_DISTINCT_HOST_PORTS,
  MAX_HOST_PORTS,
  MAX_NODES,
  MAX_PODS,
  MAX_PORTS_PER_POD,
  type Protocol,
  type SnapshotInput,
} from "../../src/contract/snapshot.js";
import { clusterSnapshot } from "../fleet.js";

type Pod = SnapshotInput["pods"][number];
type Node = SnapshotInput["nodes"][number];

function node(i: number, labelBytes = 0): Node {
  const labels: Record<string, string> = {
    "kubernetes.io/hostname": `node-${i}`,
    "node-role.kubernetes.io/worker": "",
    "topology.kubernetes.io/zone": `zone-${i % 3}`,
  };
  // Padding labels, 63-character values, until the node carries about labelBytes of them.
  for (let l = 0; l * 90 < labelBytes; l++) labels[`example.com/pad-${l}`] = `${i}`.padEnd(63, "v");
  return {
    name: `node-${i}`,
    ready: true,
    labels,
    addresses: [{ type: "InternalIP", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }],
  };
}

const envelope = (cluster: string, observedAt: string, nodes: Node[], pods: Pod[]): SnapshotInput => ({
  schemaVersion: 1,
  cluster,
  observedAt,
  nodes,
  pods,
});

/**
 * MAX_HOST_PORTS on MAX_HOST_PORTS / MAX_PORTS_PER_POD pods, each on its own node of MAX_NODES, as
 * many of them distinct as the contract allows (MAX_DISTINCT_HOST_PORTS): every one a port-map row.
 */
export function portsOnFewPods(cluster: string, observedAt: string): SnapshotInput {
  const nodes = Array.from({ length: MAX_NODES }, (_, i) => node(i));
  const podCount = Math.ceil(MAX_HOST_PORTS / MAX_PORTS_PER_POD);
  const pods: Pod[] = Array.from({ length: podCount }, (_, p) => {
    const count = Math.min(MAX_PORTS_PER_POD, MAX_HOST_PORTS - p * MAX_PORTS_PER_POD);
    // A pod declares MAX_PORTS_PER_POD distinct ports, as many as the distinct bound allows: the others
    // declare the same ones (on their own nodes), so every port-map row has several holders.
    const protocol: Protocol = "TCP";
    const offset = (p * MAX_PORTS_PER_POD) % Math.max(1, MAX_DISTINCT_HOST_PORTS - MAX_PORTS_PER_POD + 1);
    return {
      namespace: "media",
      name: `rtp-relay-${p}`,
      node: `node-${p}`,
      phase: "Running",
      owner: { kind: "StatefulSet", name: "rtp-relay" },
      ports: Array.from({ length: count }, (_, j) => ({
        container: "relay",
        containerPort: 1 + offset + j,
        hostPort: 1 + offset + j,
        protocol,
      })),
    };
  });
  return envelope(cluster, observedAt, nodes, pods);
}

/** MAX_NODES nodes whose labels fill about `bytes`, with DaemonSets holding MAX_HOST_PORTS in all. */
export function maxNodes(cluster: string, observedAt: string, bytes: number): SnapshotInput {
  const perNodePorts = Math.floor(MAX_HOST_PORTS / MAX_NODES);
  const pods: Pod[] = [];
  for (let i = 0; i < MAX_NODES; i++) {
    for (let d = 0; d * 2 < perNodePorts; d++) {
      pods.push({
        namespace: "kube-system",
        name: `agent-${d}-${i.toString(36)}`,
        node: `node-${i}`,
        phase: "Running",
        hostNetwork: true,
        owner: { kind: "DaemonSet", name: `agent-${d}` },
        ports: [9100 + d, 9200 + d].map((port) => ({
          container: "agent",
          containerPort: port,
          hostPort: port,
        })),
        tolerations: [{ operator: "Exists" }],
      });
    }
  }
  // Padding labels take what the body has left once the unpadded snapshot is counted.
  const unpadded = JSON.stringify(
    envelope(
      cluster,
      observedAt,
      Array.from({ length: MAX_NODES }, (_, i) => node(i)),
      pods,
    ),
  ).length;
  const labelBytes = Math.max(0, (bytes - unpadded) / MAX_NODES);
  const nodes = Array.from({ length: MAX_NODES }, (_, i) => node(i, labelBytes));
  return envelope(cluster, observedAt, nodes, pods);
}

/** MAX_PODS pods on 5,000 nodes: the first MAX_HOST_PORTS hold one port each, the rest are hostNetwork. */
export function maxPods(cluster: string, observedAt: string): SnapshotInput {
  const nodeCount = 5000;
  const nodes = Array.from({ length: nodeCount }, (_, i) => node(i));
  const pods: Pod[] = Array.from({ length: MAX_PODS }, (_, p) => ({
    namespace: `team-${p % 50}`,
    name: `worker-${p.toString(36)}`,
    node: `node-${p % nodeCount}`,
    phase: "Running",
    hostNetwork: true,
    // One DaemonSet per 5,000 pods: each holds its own port, once per node.
    owner: { kind: "DaemonSet", name: `ds-${Math.floor(p / nodeCount)}` },
    ports:
      p < MAX_HOST_PORTS
        ? [
            {
              container: "main",
              containerPort: 20_000 + Math.floor(p / nodeCount),
              hostPort: 20_000 + Math.floor(p / nodeCount),
            },
          ]
        : [],
  }));
  return envelope(cluster, observedAt, nodes, pods);
}

export const realistic = (cluster: string, observedAt: string) => clusterSnapshot(cluster, 5000, observedAt);
