import { Hono } from "hono";
import { escapePrometheusLabelValue } from "../../render/escape.js";
import { requireReader, resolvePrincipal } from "../../services/auth.js";
import { fleetMetrics } from "../../services/metrics.js";
import type { AppEnv } from "../env.js";
import { restGates } from "../limits/middleware.js";

type Labels = Record<string, string | number>;

/** Prometheus text exposition: label values escaped as the format requires. */
class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: "gauge" | "counter", help: string, samples: [Labels, number][]): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapePrometheusLabelValue(String(v))}"`)
        .join(",");
      this.lines.push(text ? `${name}{${text}} ${value}` : `${name} ${value}`);
    }
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/**
 * Scrapers authenticate like any reader (a read token as bearer) and pass the same gates as a
 * procedure call: one call of the token's budget, and an expensive-call slot (the figures are fleet-wide).
 */
export const metricsRoutes = new Hono<AppEnv>().get("/metrics", async (c) => {
  const { services, auth } = c.var.deps;
  const gates = restGates(c);
  await gates.spend();
  requireReader(await resolvePrincipal(services, auth, c.req.header("authorization")));
  const leave = await gates.enterExpensive();
  let m: Awaited<ReturnType<typeof fleetMetrics>>;
  try {
    m = await fleetMetrics(services);
  } finally {
    leave();
  }
  const out = new Exposition();
  const perCluster = (pick: (x: (typeof m.clusters)[number]) => number | null) =>
    m.clusters.flatMap((x): [Labels, number][] => {
      const value = pick(x);
      return value === null ? [] : [[{ cluster: x.name }, value]];
    });
  out.family(
    "portolan_cluster_stale",
    "gauge",
    "1 when the cluster's agent has been silent past the staleness threshold",
    perCluster((x) => (x.stale ? 1 : 0)),
  );
  out.family(
    "portolan_stale_threshold_seconds",
    "gauge",
    "silence after which a cluster counts as stale (PORTOLAN_STALE_AFTER_SECONDS)",
    [[{}, m.staleAfterSeconds]],
  );
  out.family(
    "portolan_cluster_host_port_pending_pods",
    "gauge",
    "pods Pending because no node has their host ports free (what conflicts.list lists)",
    perCluster((x) => x.pendingOnHostPorts),
  );
  out.family(
    "portolan_cluster_observed_nodes",
    "gauge",
    "nodes with a listener report (a node reader or an import): what the node listener answers cover",
    perCluster((x) => x.observedNodes),
  );
  out.family(
    "portolan_cluster_undeclared_listeners",
    "gauge",
    "listeners on observed nodes that no pod declares: host services, undeclared hostNetwork binds, unattributed sockets",
    perCluster((x) => x.undeclaredListeners),
  );
  out.family(
    "portolan_cluster_last_seen_timestamp_seconds",
    "gauge",
    "server time of the last accepted push",
    perCluster((x) => (x.lastSeenAt ? x.lastSeenAt.getTime() / 1000 : null)),
  );
  out.family(
    "portolan_cluster_clock_skew_seconds",
    "gauge",
    "agent clock minus server clock when the last accepted push arrived (positive: the agent runs fast)",
    perCluster((x) => x.clockSkewSeconds),
  );
  out.family(
    "portolan_ingest_snapshots_total",
    "counter",
    "accepted snapshots",
    perCluster((x) => x.snapshotsAccepted),
  );
  out.family(
    "portolan_ingest_snapshots_changed_total",
    "counter",
    "accepted snapshots that changed the cluster's state",
    perCluster((x) => x.snapshotsChanged),
  );
  const ports = m.clusters.flatMap((x) =>
    x.portSummary.map(
      (p) => [{ cluster: x.name, protocol: p.protocol, port: p.hostPort, host_ip: p.hostIP }, p] as const,
    ),
  );
  out.family(
    "portolan_port_nodes_holding",
    "gauge",
    "nodes where the host port is held",
    ports.map(([l, p]) => [l, p.held]),
  );
  out.family(
    "portolan_port_free_nodes",
    "gauge",
    "schedulable nodes where the host port is still free",
    ports.map(([l, p]) => [l, p.free]),
  );
  const workloads = m.headroom.map(
    (w) => [{ cluster: w.cluster, namespace: w.namespace, kind: w.kind, name: w.name }, w] as const,
  );
  out.family(
    "portolan_workload_headroom",
    "gauge",
    "free eligible nodes for one more replica of a host-port workload",
    workloads.map(([l, w]) => [l, w.headroom]),
  );
  out.family(
    "portolan_workload_rollout_completes",
    "gauge",
    "1 when the workload's next rollout can finish (its kind's default strategy), 0 when it would stall",
    workloads.flatMap(([l, w]) => (w.rolloutCompletes === null ? [] : [[l, w.rolloutCompletes] as const])),
  );
  out.family(
    "portolan_workload_replicas",
    "gauge",
    "pods of the workload",
    workloads.map(([l, w]) => [l, w.replicas]),
  );
  out.family(
    "portolan_workload_pending_pods",
    "gauge",
    "pods of the workload not scheduled yet",
    workloads.map(([l, w]) => [l, w.pending]),
  );
  out.family(
    "portolan_workload_eligible_nodes",
    "gauge",
    "nodes the workload may be scheduled on",
    workloads.map(([l, w]) => [l, w.eligibleNodes]),
  );
  out.family(
    "portolan_workload_shared_port_set",
    "gauge",
    "1 when the workload competes with another for the same host ports on the same nodes (its headroom alert gives way to the set's)",
    workloads.flatMap(([l, w]) => (w.inSharedPortSet ? [[l, 1] as const] : [])),
  );
  const sets = m.sharedPortSets.map(
    (s) => [{ cluster: s.cluster, workloads: s.workloads, ports: s.ports }, s] as const,
  );
  out.family(
    "portolan_shared_port_set_nodes",
    "gauge",
    "eligible nodes the workloads of a shared port set compete for (workloads: namespace/Kind/name, comma-separated)",
    sets.map(([l, s]) => [l, s.nodes]),
  );
  out.family(
    "portolan_shared_port_set_headroom",
    "gauge",
    "the lowest headroom among the workloads of a shared port set",
    sets.map(([l, s]) => [l, s.headroom]),
  );
  for (const gauge of c.var.deps.runtimeGauges())
    out.family(gauge.name, "gauge", gauge.help, [[{}, gauge.value]]);
  return c.text(out.toString(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
});
