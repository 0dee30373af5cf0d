/** Synthetic clusters shaped like workloads.md: DaemonSets on every node, routers on some. */
import type { Protocol, SnapshotInput } from "../src/contract/snapshot.js";

type Pod = SnapshotInput["pods"][number];

const daemonSets: { ns: string; name: string; ports: [number, Protocol, string?][] }[] = [
  { ns: "monitoring", name: "node-exporter", ports: [[9100, "TCP"]] },
  {
    ns: "kube-system",
    name: "node-local-dns",
    ports: [
      [53, "UDP", "169.254.20.10"],
      [53, "TCP", "169.254.20.10"],
      [9253, "TCP"],
    ],
  },
  {
    ns: "metallb-system",
    name: "speaker",
    ports: [
      [7946, "TCP"],
      [7946, "UDP"],
      [7472, "TCP"],
    ],
  },
  {
    ns: "datadog",
    name: "datadog-agent",
    ports: [
      [8125, "UDP"],
      [8126, "TCP"],
    ],
  },
  { ns: "kube-system", name: "aws-node", ports: [[61678, "TCP"]] },
  { ns: "calico-system", name: "calico-node", ports: [[179, "TCP"]] },
  {
    ns: "cilium",
    name: "cilium-agent",
    ports: [
      [4240, "TCP"],
      [4244, "TCP"],
      [9962, "TCP"],
    ],
  },
  { ns: "kube-system", name: "kube-proxy", ports: [] },
];

export function clusterSnapshot(
  cluster: string,
  nodeCount: number,
  observedAt: string,
  churnSeed = 0,
): SnapshotInput {
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    name: `node-${i}`,
    ready: true,
    labels: { "node-role.kubernetes.io/worker": "", "topology.kubernetes.io/zone": `zone-${i % 3}` },
    addresses: [{ type: "InternalIP", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }],
  }));
  const pods: Pod[] = [];
  nodes.forEach((node, i) => {
    for (const ds of daemonSets) {
      // churnSeed renames ~1% of pods, as a rolling restart does.
      const generation =
        churnSeed > 0 && (i * 7 + ds.name.length) % 100 === churnSeed % 100 ? `-g${churnSeed}` : "";
      pods.push({
        namespace: ds.ns,
        name: `${ds.name}-${i.toString(36)}${generation}`,
        node: node.name,
        phase: "Running",
        hostNetwork: true,
        owner: { kind: "DaemonSet", name: ds.name },
        ports: ds.ports.map(([port, protocol, hostIP]) => ({
          container: ds.name,
          containerPort: port,
          hostPort: port,
          protocol,
          ...(hostIP ? { hostIP } : {}),
        })),
        tolerations: [{ operator: "Exists" }],
      });
    }
  });
  for (let r = 0; r < Math.min(nodeCount - 1, 3); r++) {
    pods.push({
      namespace: "openshift-ingress",
      name: `router-default-abc-${r}`,
      node: `node-${r}`,
      phase: "Running",
      hostNetwork: true,
      owner: { kind: "Deployment", name: "router-default" },
      ports: [80, 443, 1936].map((p) => ({ container: "router", containerPort: p, hostPort: p })),
      nodeSelector: { "node-role.kubernetes.io/worker": "" },
    });
  }
  return { schemaVersion: 1, cluster, observedAt, nodes, pods };
}
