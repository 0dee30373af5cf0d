/** The port allocation document teams keep by hand, generated from port maps: Markdown, CSV or JSON. */
import type { PortMapRow } from "./port-map.js";

export interface ClusterPortMap {
  cluster: string;
  asOf: string | null;
  stale: boolean;
  schedulableNodes: string[];
  ports: PortMapRow[];
}

export type ReportFormat = "markdown" | "csv" | "json";

const workloadsText = (row: PortMapRow) =>
  row.workloads.map((w) => `${w.namespace}/${w.name} (${w.kind})`).join("; ");

/**
 * Where a port is held, in the words the JSON supports: "all N eligible nodes" only when the holders
 * number exactly the eligible nodes and none is free; holders that are no longer eligible (cordoned,
 * NotReady) are listed by name instead of being counted as eligible.
 */
export function heldOnText(row: Pick<PortMapRow, "nodes" | "eligibleNodes" | "freeNodes">): string {
  if (row.eligibleNodes > 0 && row.nodes.length === row.eligibleNodes && row.freeNodes.length === 0) {
    return `all ${row.eligibleNodes} eligible nodes`;
  }
  return `${row.nodes.length}: ${row.nodes.join(", ")}`;
}

const cell = (text: string) => text.replaceAll("|", "\\|");

function markdown(maps: readonly ClusterPortMap[]): string {
  const parts = ["# Host port allocation", ""];
  for (const m of maps) {
    parts.push(`## ${m.cluster}`, "");
    parts.push(
      `As of ${m.asOf ?? "never"}${m.stale ? " (stale: the agent is silent)" : ""}; ${m.schedulableNodes.length} schedulable nodes. Free slots: nodes eligible for the holding workload where the port is still free.`,
      "",
    );
    if (m.ports.length === 0) {
      parts.push("No host ports are held.", "");
      continue;
    }
    parts.push(
      "| Port | Protocol | Host IP | Workloads | Held on | Free slots |",
      "|---:|---|---|---|---|---:|",
    );
    for (const r of m.ports) {
      parts.push(
        `| ${r.hostPort} | ${r.protocol} | ${r.hostIP} | ${cell(workloadsText(r))} | ${cell(heldOnText(r))} | ${r.freeNodes.length} |`,
      );
    }
    parts.push("");
  }
  return parts.join("\n");
}

function csvField(text: string | number): string {
  const s = String(text);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(maps: readonly ClusterPortMap[]): string {
  const header = [
    "cluster",
    "as_of",
    "port",
    "protocol",
    "host_ip",
    "workloads",
    "nodes_holding",
    "free_slots",
    "free_nodes",
  ];
  const lines = [header.join(",")];
  for (const m of maps) {
    for (const r of m.ports) {
      lines.push(
        [
          m.cluster,
          m.asOf ?? "",
          r.hostPort,
          r.protocol,
          r.hostIP,
          workloadsText(r),
          r.nodes.length,
          r.freeNodes.length,
          r.freeNodes.join(" "),
        ]
          .map(csvField)
          .join(","),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

export function renderPortReport(maps: readonly ClusterPortMap[], format: ReportFormat): string {
  if (format === "markdown") return markdown(maps);
  if (format === "csv") return csv(maps);
  return JSON.stringify({ clusters: maps }, null, 2);
}
