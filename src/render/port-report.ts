/** The port allocation document teams keep by hand, generated from port maps: Markdown, CSV or JSON. */
import type { PortMapEntry } from "../domain/port-map.js";
import type {
  ClusterPortMap,
  ObservedOnPort,
  ReportedIngressController,
  ReportedPort,
} from "../domain/port-report-content.js";
import { escapeCsvField, escapeMarkdownText } from "./escape.js";
import { markdownRow } from "./markdown.js";

export type ReportFormat = "markdown" | "csv" | "json";

/** The port map lists an IngressController's declared ports as a workload of that kind, holding no pod. */
const workloadsText = (row: PortMapEntry) =>
  row.workloads
    .map(
      (w) =>
        `${w.namespace}/${w.name} (${w.kind === "IngressController" ? "IngressController, declared" : w.kind})`,
    )
    .join("; ") +
  (row.workloadCount > row.workloads.length ? `; +${row.workloadCount - row.workloads.length} more` : "");

const replicasText = (ic: ReportedIngressController) =>
  `${ic.replicas ?? "unset (2)"} asked, ${ic.availableReplicas ?? "?"} available`;

function ingressControllerLines(controllers: readonly ReportedIngressController[]): string[] {
  if (controllers.length === 0) return [];
  const lines = [
    markdownRow(["IngressController", "Strategy", "Host ports (TCP)", "Replicas"]),
    "|---|---|---|---|",
  ];
  for (const ic of controllers) {
    const ports = ic.hostNetwork
      ? `${ic.hostNetwork.httpPort}, ${ic.hostNetwork.httpsPort}, ${ic.hostNetwork.statsPort} (declared on every node it selects)`
      : "none";
    lines.push(
      markdownRow([
        `${ic.namespace}/${ic.name}`,
        ic.endpointPublishingStrategy ?? "unknown",
        ports,
        replicasText(ic),
      ]),
    );
  }
  return [...lines, ""];
}

/** Names and, when the list was cut, how many it leaves out. */
const namesText = (names: readonly string[], count: number, separator: string) =>
  `${names.join(separator)}${count > names.length ? `${separator}+${count - names.length} more` : ""}`;

/**
 * Where a port is held, in the words the JSON supports: "all N eligible nodes" only when the holders
 * number exactly the eligible nodes and none is free; holders that are no longer eligible (cordoned,
 * NotReady) are listed by name instead of being counted as eligible.
 */
export function heldOnText(
  row: Pick<PortMapEntry, "heldCount" | "nodes" | "eligibleNodes" | "freeCount">,
): string {
  if (row.eligibleNodes > 0 && row.heldCount === row.eligibleNodes && row.freeCount === 0) {
    return `all ${row.eligibleNodes} eligible nodes`;
  }
  return `${row.heldCount}: ${namesText(row.nodes, row.heldCount, ", ")}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * What nodes listen on a row's port, beside its declared holders: how many nodes, the processes and
 * classes, and the two facts planning needs: a loopback listener still fails a wildcard bind, and an
 * undeclared one where a hostNetwork replica could go would crash it. "–" when nothing was observed.
 */
export function observedText(observed: ObservedOnPort | null | undefined): string {
  if (!observed) return "–";
  const parts = [
    `${plural(observed.nodes, "node")}: ${observed.processes.join(", ") || "no process"}${observed.classes.length > 0 ? ` (${observed.classes.join(", ")})` : ""}`,
  ];
  if (observed.loopbackOnly) parts.push("loopback only, still in the way of a wildcard bind");
  if (observed.willCrashNodes > 0) {
    parts.push(
      `undeclared on ${plural(observed.willCrashNodes, "node")} a hostNetwork holder could take: a replica there would crash-loop`,
    );
  }
  if (observed.partial) parts.push("names from the first listeners read");
  return parts.join("; ");
}

/** Observed-only rows: no holder, so no "held on" or free slots to speak of. */
const OBSERVED_ONLY = "observed only: no pod or IngressController declares it";

const portRow = (r: ReportedPort) =>
  r.observedOnly
    ? markdownRow([r.hostPort, r.protocol, "–", OBSERVED_ONLY, "–", "–", observedText(r.observed)])
    : markdownRow([
        r.hostPort,
        r.protocol,
        r.hostIP,
        workloadsText(r),
        heldOnText(r),
        r.freeCount,
        observedText(r.observed),
      ]);

function markdown(maps: readonly ClusterPortMap[], heading: boolean): string {
  const parts = heading ? ["# Host port allocation", ""] : [];
  for (const m of maps) {
    if (m.continued) {
      for (const r of m.ports) parts.push(portRow(r));
      parts.push("");
      continue;
    }
    const held =
      m.totalPorts === undefined
        ? ""
        : ` ${m.totalPorts} host ports held (ports only listeners hold included).`;
    parts.push(`## ${escapeMarkdownText(m.cluster)}`, "");
    parts.push(
      `As of ${m.asOf ?? "never"}${m.stale ? " (stale: the agent is silent)" : ""}; ${m.schedulableNodes} schedulable nodes.${held} Free slots: nodes eligible for the holding workload where the port is still free. Observed listeners: what nodes that send listener reports listen on, beside the declared holds; rows marked observed only are ports no pod declares.`,
      "",
    );
    parts.push(...ingressControllerLines(m.ingressControllers));
    if (m.ports.length === 0) {
      parts.push("No host ports are held.", "");
      continue;
    }
    parts.push(
      markdownRow([
        "Port",
        "Protocol",
        "Host IP",
        "Workloads",
        "Held on",
        "Free slots",
        "Observed listeners",
      ]),
      "|---:|---|---|---|---|---:|---|",
    );
    for (const r of m.ports) parts.push(portRow(r));
    parts.push("");
  }
  return parts.join("\n");
}

function csv(maps: readonly ClusterPortMap[], heading: boolean): string {
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
    "observed_only",
    "observed_nodes",
    "observed_processes",
    "observed_classes",
  ];
  const lines = heading ? [header.join(",")] : [];
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
          r.heldCount,
          r.freeCount,
          namesText(r.freeNodes, r.freeCount, " "),
          r.observedOnly === true,
          r.observed?.nodes ?? 0,
          r.observed?.processes.join(" ") ?? "",
          r.observed?.classes.join(" ") ?? "",
        ]
          .map(escapeCsvField)
          .join(","),
      );
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/**
 * The document, or one page of it: `heading: false` leaves out the title (Markdown) and the header
 * line (CSV), so the pages of a fleet report concatenate into one document. A JSON page is a
 * document of its own (`{clusters}`).
 */
export function renderPortReport(
  maps: readonly ClusterPortMap[],
  format: ReportFormat,
  options: { heading: boolean } = { heading: true },
): string {
  if (format === "markdown") return markdown(maps, options.heading);
  if (format === "csv") return csv(maps, options.heading);
  return JSON.stringify({ clusters: maps }, null, 2);
}
