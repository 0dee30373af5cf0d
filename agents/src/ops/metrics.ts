/** The agent's Prometheus metrics, rendered in the text exposition format (no client library needed). */

type Labels = Record<string, string>;

interface Series {
  name: string;
  help: string;
  type: "counter" | "gauge";
  values: Map<string, { labels: Labels; value: number }>;
}

const labelKey = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");

export class MetricsRegistry {
  private readonly series: Series[] = [];

  counter(name: string, help: string) {
    const s = this.add(name, help, "counter");
    return {
      inc: (labels: Labels = {}, by = 1) => {
        const key = labelKey(labels);
        const current = s.values.get(key);
        if (current) current.value += by;
        else s.values.set(key, { labels, value: by });
      },
      get: (labels: Labels = {}) => s.values.get(labelKey(labels))?.value ?? 0,
    };
  }

  /** A value set from outside; `type` counter for monotonic figures sampled at scrape time. */
  gauge(name: string, help: string, type: Series["type"] = "gauge") {
    const s = this.add(name, help, type);
    return {
      set: (value: number, labels: Labels = {}) => {
        s.values.set(labelKey(labels), { labels, value });
      },
      get: (labels: Labels = {}) => s.values.get(labelKey(labels))?.value,
    };
  }

  render(): string {
    const lines: string[] = [];
    for (const s of this.series) {
      lines.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`);
      for (const { labels, value } of s.values.values()) {
        const text = Object.entries(labels)
          .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
          .join(",");
        lines.push(`${s.name}${text ? `{${text}}` : ""} ${value}`);
      }
    }
    return `${lines.join("\n")}\n`;
  }

  private add(name: string, help: string, type: Series["type"]): Series {
    const s: Series = { name, help, type, values: new Map() };
    this.series.push(s);
    return s;
  }
}

export function createAgentMetrics() {
  const registry = new MetricsRegistry();
  const metrics = {
    registry,
    pushes: registry.counter(
      "portolan_agent_pushes_total",
      "Snapshots the API answered, by result (accepted; rejected: refused for good with a 4xx, 409 included).",
    ),
    snapshotsRejected: registry.counter(
      "portolan_agent_snapshots_rejected_total",
      "Snapshots the API refused for good (set aside in the spool's rejected/ directory), by error code.",
    ),
    pushFailures: registry.counter(
      "portolan_agent_push_failures_total",
      "Push attempts that failed, by reason (network, server, throttled, auth).",
    ),
    authFailures: registry.counter(
      "portolan_agent_auth_failures_total",
      "Pushes the API answered 401 or 403 (token refused), by status; watch mode keeps retrying at --auth-retry.",
    ),
    lastSuccess: registry.gauge(
      "portolan_agent_last_push_success_timestamp_seconds",
      "Unix time of the last snapshot the API accepted.",
    ),
    snapshots: registry.counter(
      "portolan_agent_snapshots_total",
      "Snapshots built, by kind (change: new state, heartbeat: same state, newer observedAt).",
    ),
    invalidSnapshots: registry.counter(
      "portolan_agent_invalid_snapshots_total",
      "Snapshots the shared contract refused before any push (a collection bug; see the logs).",
    ),
    spoolSnapshots: registry.gauge("portolan_agent_spool_snapshots", "Snapshots waiting to be sent."),
    spoolBytes: registry.gauge(
      "portolan_agent_spool_bytes",
      "Bytes of gzipped snapshots waiting to be sent.",
    ),
    spoolDropped: registry.counter(
      "portolan_agent_spool_dropped_total",
      "Waiting snapshots dropped because the spool was full (the shortest-lived state goes first).",
    ),
    nodes: registry.gauge("portolan_agent_nodes", "Nodes in the last snapshot."),
    hostPortPods: registry.gauge(
      "portolan_agent_host_port_pods",
      "Host-port and hostNetwork pods in the last snapshot.",
    ),
    relists: registry.counter(
      "portolan_agent_kube_relists_total",
      "Full LISTs from the Kubernetes API, by resource and reason (initial, gone: 410 from a watch, resync: periodic).",
    ),
    watchErrors: registry.counter(
      "portolan_agent_kube_watch_errors_total",
      "Kubernetes LIST or WATCH requests that failed (then retried with backoff), by resource.",
    ),
    listenerReports: registry.counter(
      "portolan_agent_node_listener_reports_total",
      "Node listener reports from node readers, by result (accepted, refused).",
    ),
    listenerRefusals: registry.counter(
      "portolan_agent_node_listener_refusals_total",
      "Node listener reports refused, by reason (no-token, unauthenticated, wrong-service-account, no-node-binding, wrong-node, bad-body, too-big, busy, review-failed).",
    ),
    observedNodes: registry.gauge(
      "portolan_agent_observed_nodes",
      "Nodes whose reader's listener report is live (received and not expired).",
    ),
    residentMemory: registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes."),
    cpuSeconds: registry.gauge(
      "process_cpu_seconds_total",
      "Total user and system CPU time spent in seconds.",
      "counter",
    ),
  };
  return metrics;
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;

/** Refreshes the process figures just before a scrape. */
export function sampleProcess(metrics: AgentMetrics): void {
  metrics.residentMemory.set(process.memoryUsage.rss());
  const cpu = process.cpuUsage();
  metrics.cpuSeconds.set((cpu.user + cpu.system) / 1e6);
}
