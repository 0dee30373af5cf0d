/**
 * One cluster of the benchmark fleet, shaped like workloads.md with the variety a real fleet has:
 * masters and infra nodes, cordoned and NotReady workers, DaemonSets that differ by distribution,
 * routers with Pending replicas blocked on ports, hostPort Deployments, and a few clusters where two
 * workloads hold 9100. Deterministic in (index, nodeCount) so a rebuilt fleet is the same fleet.
 */
import type { Protocol, SnapshotInput } from "../../src/contract/snapshot.js";

type Pod = SnapshotInput["pods"][number];
type Node = SnapshotInput["nodes"][number];
type PortSpec = [hostPort: number, protocol: Protocol, hostIP?: string];

interface DaemonSet {
  namespace: string;
  name: string;
  ports: PortSpec[];
}

const distributions = ["openshift", "eks", "gke", "k3s"] as const;
const regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1"];
const envs = ["prod", "prod", "staging", "dev"];

/** Ports the benchmark asks about: node-exporter's, one held once in the fleet, the routers', checkFit's. */
export const fleetPorts = { exporter: 9100, rare: 31999, router: [80, 443, 1936], fit: [8080, 8443] };

const routerBlockedMessage = (nodes: number, blocked: number) =>
  `0/${nodes} nodes are available: ${blocked} node(s) didn't have free ports for the requested pod ports, ${nodes - blocked} node(s) didn't match Pod's node affinity/selector.`;

function common(distribution: string): DaemonSet[] {
  const cni: DaemonSet =
    distribution === "eks"
      ? { namespace: "kube-system", name: "aws-node", ports: [[61678, "TCP"]] }
      : distribution === "gke"
        ? {
            namespace: "cilium",
            name: "cilium-agent",
            ports: [
              [4240, "TCP"],
              [4244, "TCP"],
              [9962, "TCP"],
            ],
          }
        : { namespace: "calico-system", name: "calico-node", ports: [[179, "TCP"]] };
  return [
    {
      namespace: "kube-system",
      name: "node-local-dns",
      ports: [
        [53, "UDP", "169.254.20.10"],
        [53, "TCP", "169.254.20.10"],
        [9253, "TCP"],
      ],
    },
    {
      namespace: "metallb-system",
      name: "speaker",
      ports: [
        [7946, "TCP"],
        [7946, "UDP"],
        [7472, "TCP"],
      ],
    },
    {
      namespace: "datadog",
      name: "datadog-agent",
      ports: [
        [8125, "UDP"],
        [8126, "TCP"],
      ],
    },
    { namespace: "logging", name: "fluent-bit", ports: [[2020, "TCP"]] },
    {
      namespace: "kube-system",
      name: "csi-node",
      ports: [
        [9808, "TCP"],
        [9809, "TCP"],
      ],
    },
    cni,
    // hostNetwork without declared ports: what ports.map flags as undeclared
    { namespace: "kube-system", name: "kube-proxy", ports: [] },
  ];
}

export interface ClusterSpec {
  name: string;
  labels: Record<string, string>;
}

export function clusterSpec(index: number): ClusterSpec {
  const distribution = distributions[index % distributions.length] ?? "k3s";
  return {
    name: `fleet-${String(index).padStart(3, "0")}`,
    labels: {
      env: envs[index % envs.length] ?? "dev",
      region: regions[Math.floor(index / 4) % regions.length] ?? "eu-west-1",
      distribution,
    },
  };
}

function nodeList(nodeCount: number, index: number): Node[] {
  const masters = Math.min(3, Math.max(0, nodeCount - 2));
  const infra = Math.min(3, Math.max(0, nodeCount - masters - 1));
  return Array.from({ length: nodeCount }, (_, i): Node => {
    const role = i < masters ? "master" : i < masters + infra ? "infra" : "worker";
    const zone = `zone-${i % 3}`;
    return {
      name: `${role}-${i}`,
      ready: role === "master" || (i * 13 + index) % 200 !== 7, // ~0.5 % NotReady
      unschedulable: role === "worker" && (i * 7 + index) % 100 === 3, // ~1 % cordoned
      labels: {
        [`node-role.kubernetes.io/${role}`]: "",
        "topology.kubernetes.io/zone": zone,
        "kubernetes.io/hostname": `${role}-${i}`,
      },
      taints: role === "master" ? [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }] : [],
      addresses: [{ type: "InternalIP", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }],
    };
  });
}

const hostPorts = (container: string, ports: PortSpec[]) =>
  ports.map(([port, protocol, hostIP]) => ({
    container,
    containerPort: port,
    hostPort: port,
    protocol,
    ...(hostIP ? { hostIP } : {}),
  }));

/** A pod name suffix stable per (cluster, slot), as ReplicaSets and DaemonSets generate them. */
const suffix = (index: number, slot: number) => ((index * 7919 + slot * 104_729) % 1_679_616).toString(36);

export function fleetSnapshot(index: number, nodeCount: number, observedAt: string): SnapshotInput {
  const spec = clusterSpec(index);
  const nodes = nodeList(nodeCount, index);
  const pods: Pod[] = [];
  const twoExporters = index % 10 === 3;
  nodes.forEach((node, i) => {
    const daemonSets = [...common(spec.labels.distribution ?? "k3s")];
    // A few clusters are half-way through moving node-exporter to another chart: two workloads hold 9100.
    daemonSets.push(
      twoExporters && i % 2 === 1
        ? { namespace: "prometheus", name: "prometheus-node-exporter", ports: [[9100, "TCP"]] }
        : { namespace: "monitoring", name: "node-exporter", ports: [[9100, "TCP"]] },
    );
    for (const ds of daemonSets) {
      pods.push({
        namespace: ds.namespace,
        name: `${ds.name}-${suffix(index, i)}`,
        node: node.name,
        phase: node.ready ? "Running" : "Unknown",
        hostNetwork: true,
        owner: { kind: "DaemonSet", name: ds.name },
        ports: hostPorts(ds.name, ds.ports),
        tolerations: [{ operator: "Exists" }],
      });
    }
  });
  pods.push(...routers(index, nodes), ...hostPortDeployments(index, nodes));
  if (index === 1 && nodes[nodes.length - 1]) {
    pods.push({
      namespace: "debug",
      name: "tcpdump-once",
      node: nodes[nodes.length - 1]?.name ?? null,
      phase: "Running",
      hostNetwork: false,
      ports: hostPorts("tcpdump", [[fleetPorts.rare, "TCP"]]),
    });
  }
  return { schemaVersion: 1, cluster: spec.name, observedAt, nodes, pods };
}

/** Routers on the infra nodes; one cluster in four asks for one replica more than there are infra nodes. */
function routers(index: number, nodes: Node[]): Pod[] {
  const infra = nodes.filter((n) => n.labels && "node-role.kubernetes.io/infra" in n.labels);
  if (infra.length === 0) return [];
  const replicas = infra.length + (index % 4 === 1 ? 1 : 0);
  return Array.from({ length: replicas }, (_, r): Pod => {
    const node = infra[r];
    return {
      namespace: "openshift-ingress",
      name: `router-default-${suffix(index, 0)}-${r}`,
      node: node?.name ?? null,
      phase: node ? "Running" : "Pending",
      hostNetwork: true,
      owner: { kind: "Deployment", name: "router-default" },
      ports: hostPorts(
        "router",
        fleetPorts.router.map((p): PortSpec => [p, "TCP"]),
      ),
      nodeSelector: { "node-role.kubernetes.io/infra": "" },
      ...(node
        ? {}
        : {
            scheduling: { unschedulable: true, message: routerBlockedMessage(nodes.length, infra.length) },
          }),
    };
  });
}

/** hostPort Deployments on a few workers: what checkFit 8080/8443 and fluentd's 24224 run into. */
function hostPortDeployments(index: number, nodes: Node[]): Pod[] {
  const workers = nodes.filter((n) => n.labels && "node-role.kubernetes.io/worker" in n.labels);
  const pods: Pod[] = [];
  const ingressReplicas = Math.min(workers.length, 2 + (index % 3));
  const spread = Math.max(1, Math.floor(workers.length / Math.max(1, ingressReplicas)));
  for (let r = 0; r < ingressReplicas; r++) {
    pods.push({
      namespace: "ingress-nginx",
      name: `ingress-nginx-controller-${suffix(index, 1)}-${r}`,
      node: workers[r * spread]?.name ?? null,
      phase: "Running",
      owner: { kind: "Deployment", name: "ingress-nginx-controller" },
      ports: hostPorts(
        "controller",
        fleetPorts.fit.map((p): PortSpec => [p, "TCP"]),
      ),
    });
  }
  const forwarders = Math.min(workers.length, 1 + (index % 2));
  for (let r = 0; r < forwarders; r++) {
    pods.push({
      namespace: "logging",
      name: `fluentd-forward-${suffix(index, 2)}-${r}`,
      node: workers[workers.length - 1 - r]?.name ?? null,
      phase: "Running",
      owner: { kind: "Deployment", name: "fluentd-forward" },
      ports: hostPorts("fluentd", [[24224, "TCP"]]),
    });
  }
  return pods;
}
