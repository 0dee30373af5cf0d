/**
 * One simulated cluster for the load script: nodes with the host-port workloads real fleets run
 * (node-exporter and a CNI agent on every node, a three-replica router, a hostPort Deployment) and
 * ~1 % churn per push (rolling restarts, a pod moving node, a replica added or removed).
 */
import type { SnapshotInput } from "../../src/contract/snapshot.js";

type Pod = SnapshotInput["pods"][number];

const ROUTER_REPLICAS = 3;

/** Deterministic per cluster, so a run is repeatable. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const suffix = (next: () => number) => Math.floor(next() * 36 ** 5).toString(36);

function daemonPod(kind: "node-exporter" | "calico-node", node: string, next: () => number): Pod {
  const port = kind === "node-exporter" ? 9100 : 179;
  return {
    namespace: kind === "node-exporter" ? "monitoring" : "calico-system",
    name: `${kind}-${suffix(next)}`,
    node,
    phase: "Running",
    hostNetwork: true,
    owner: { kind: "DaemonSet", name: kind },
    ports: [{ container: kind, containerPort: port, hostPort: port }],
    tolerations: [{ operator: "Exists" }],
  };
}

function routerPod(node: string, next: () => number): Pod {
  return {
    namespace: "openshift-ingress",
    name: `router-default-${suffix(next)}`,
    node,
    phase: "Running",
    hostNetwork: true,
    owner: { kind: "Deployment", name: "router-default" },
    ports: [80, 443, 1936].map((p) => ({ container: "router", containerPort: p, hostPort: p })),
    nodeSelector: { "node-role.kubernetes.io/worker": "" },
  };
}

function statsdPod(node: string, next: () => number): Pod {
  return {
    namespace: "observability",
    name: `statsd-exporter-${suffix(next)}`,
    node,
    phase: "Running",
    hostNetwork: false,
    owner: { kind: "Deployment", name: "statsd-exporter" },
    ports: [{ container: "statsd", containerPort: 9125, hostPort: 9125, protocol: "UDP" }],
  };
}

export class ClusterSim {
  readonly nodes: SnapshotInput["nodes"];
  private pods: Pod[] = [];
  private readonly next: () => number;
  private lastObservedMs = 0;

  constructor(
    readonly name: string,
    nodeCount: number,
    seed: number,
  ) {
    this.next = random(seed);
    this.nodes = Array.from({ length: nodeCount }, (_, i) => ({
      name: `node-${i}`,
      ready: true,
      labels: { "node-role.kubernetes.io/worker": "", "topology.kubernetes.io/zone": `zone-${i % 3}` },
      addresses: [{ type: "InternalIP", address: `10.0.${i >> 8}.${i & 255}` }],
    }));
    for (const node of this.nodes) {
      this.pods.push(daemonPod("node-exporter", node.name, this.next));
      this.pods.push(daemonPod("calico-node", node.name, this.next));
    }
    for (let r = 0; r < Math.min(ROUTER_REPLICAS, nodeCount); r++) {
      this.pods.push(routerPod(`node-${r}`, this.next));
    }
    for (let i = 0; i < Math.max(1, Math.floor(nodeCount / 10)); i++) {
      const node = this.freeNodeFor("statsd-exporter");
      if (node) this.pods.push(statsdPod(node, this.next));
    }
  }

  /** A node not yet holding the workload's host port (the scheduler's rule), if any. */
  private freeNodeFor(owner: string): string | undefined {
    const held = new Set(this.pods.filter((p) => p.owner?.name === owner).map((p) => p.node));
    const free = this.nodes.filter((n) => !held.has(n.name));
    return free[Math.floor(this.next() * free.length)]?.name;
  }

  /** Changes ~1 % of the pods (at least one). */
  churn(): void {
    const changes = Math.max(1, Math.round(this.pods.length / 100));
    for (let c = 0; c < changes; c++) {
      const roll = this.next();
      const statsd = this.pods.filter((p) => p.owner?.name === "statsd-exporter");
      if (roll < 0.6 || statsd.length === 0) {
        // Rolling restart: same node, new pod name.
        const i = Math.floor(this.next() * this.pods.length);
        const pod = this.pods[i];
        if (pod) this.pods[i] = { ...pod, name: pod.name.replace(/-[0-9a-z]+$/, `-${suffix(this.next)}`) };
      } else if (roll < 0.8) {
        const pod = statsd[Math.floor(this.next() * statsd.length)];
        const node = this.freeNodeFor("statsd-exporter");
        if (pod && node) this.pods = this.pods.map((p) => (p === pod ? { ...pod, node } : p));
      } else if (roll < 0.9 || statsd.length === 1) {
        const node = this.freeNodeFor("statsd-exporter");
        if (node) this.pods.push(statsdPod(node, this.next));
      } else {
        const gone = statsd[Math.floor(this.next() * statsd.length)];
        this.pods = this.pods.filter((p) => p !== gone);
      }
    }
  }

  /** The snapshot as of now, with an observedAt strictly after the previous one. */
  snapshot(nowMs: number): SnapshotInput {
    this.lastObservedMs = Math.max(nowMs, this.lastObservedMs + 1);
    return {
      schemaVersion: 1,
      cluster: this.name,
      observedAt: new Date(this.lastObservedMs).toISOString(),
      nodes: this.nodes,
      pods: [...this.pods],
    };
  }
}

/** The natural keys of the allocations a snapshot holds, as the server stores them. */
export function allocationKeys(snapshot: SnapshotInput): string[] {
  return snapshot.pods.flatMap((pod) =>
    pod.node
      ? (pod.ports ?? []).map((port) =>
          [
            pod.node,
            pod.namespace,
            pod.name,
            port.container,
            port.protocol ?? "TCP",
            port.hostIP || "0.0.0.0",
            port.hostPort,
          ].join("|"),
        )
      : [],
  );
}
