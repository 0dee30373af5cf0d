/**
 * A planned IngressController port passed over because nodes listen on it, in words: one spelling for
 * the CLI and the dashboard's planner page.
 */
export interface ListenedRefusal {
  port: number;
  listeners?: readonly {
    processes: readonly string[];
    pod: string | null;
    address: string;
    nodeCount: number;
    cluster: string;
    nodes: readonly string[];
  }[];
}

export function listenedRefusalText(r: ListenedRefusal): string {
  const who = (r.listeners ?? [])
    .map(
      (l) =>
        `${l.processes.join(",") || "no process"}${l.pod ? ` (pod ${l.pod})` : ""} on ${l.address} on ${l.nodeCount} node(s) of ${l.cluster} (${l.nodes.join(", ")})`,
    )
    .join("; ");
  return `${r.port} listened on by ${who || "a node"}`;
}
