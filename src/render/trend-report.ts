/**
 * The period report a team pastes into a review: what changed in the fleet's host ports between two
 * instants, the workloads' headroom lows, the host-port conflicts that occurred, and charts. The
 * service computes every part bounded (top N plus how many more); this module only presents it, as
 * Markdown (sparklines) or one self-contained HTML file (server-rendered SVG, inline style, no script).
 */

import { eventText, eventWords } from "../domain/trend-events.js";
import type {
  Bounded,
  PortChange,
  ReportSeries,
  TrendReport,
  WorkloadChange,
  WorkloadRef,
} from "../domain/trend-report-content.js";
import { escapeHtml, escapeMarkdownText } from "./escape.js";
import { markdownRow } from "./markdown.js";
import { sparkline } from "./sparkline.js";
import { barChartSvg, lineChartSvg } from "./svg-chart.js";

export type TrendReportFormat = "markdown" | "html";

/** "3d 4h", "2h 5m", "40s": durations for people. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

const workloadName = (w: WorkloadRef) => `${w.cluster}: ${w.namespace}/${w.kind}/${w.name}`;
const portName = (p: PortChange) => `${p.hostPort}/${p.protocol}`;

interface Table {
  headers: string[];
  rows: string[][];
  more: number;
  empty: string;
}

interface Section {
  title: string;
  tables: { caption: string; table: Table }[];
}

/** The report as sections of tables, shared by both formats so they say the same things. */
function sections(r: TrendReport): Section[] {
  const portTable = (list: Bounded<PortChange>, withCluster: boolean, verb: string): Table => ({
    headers: [...(withCluster ? ["Cluster"] : []), "Port", verb],
    rows: list.items.map((p) => [...(withCluster ? [p.cluster ?? ""] : []), portName(p), p.at ?? "-"]),
    more: list.more,
    empty: "none",
  });
  const workloadTable = (list: Bounded<WorkloadChange>, verb: string): Table => ({
    headers: ["Cluster", "Workload", verb],
    rows: list.items.map((w) => [w.cluster, `${w.namespace}/${w.kind}/${w.name}`, w.at ?? "-"]),
    more: list.more,
    empty: "none",
  });
  return [
    {
      title: "Events",
      tables: [
        {
          caption:
            "Marked on the allocation chart by number: conflicts, IngressControllers, clusters added or silent",
          table: {
            headers: ["#", "At", "Cluster", "Event"],
            rows: r.events.items.map((e, i) => [String(i + 1), e.at, e.cluster, eventWords(e)]),
            more: r.events.more,
            empty: "none",
          },
        },
      ],
    },
    {
      title: "Clusters",
      tables: [
        {
          caption: "Added",
          table: {
            headers: ["Cluster", "Registered"],
            rows: r.clusters.added.items.map((c) => [c.name, c.at]),
            more: r.clusters.added.more,
            empty: "none",
          },
        },
        {
          caption: "Removed",
          table: {
            headers: ["Cluster", "Removed"],
            rows: r.clusters.removed.items.map((c) => [c.name, c.at]),
            more: r.clusters.removed.more,
            empty: "none",
          },
        },
        {
          caption: "Silent (stale: no push within the staleness threshold)",
          table: {
            headers: ["Cluster", "Last push"],
            rows: r.clusters.silent.items.map((c) => [c.name, c.lastSeenAt ?? "never"]),
            more: r.clusters.silent.more,
            empty: "none",
          },
        },
      ],
    },
    {
      title: "Host ports",
      tables: [
        { caption: "Appeared in the fleet", table: portTable(r.ports.fleet.appeared, false, "First held") },
        {
          caption: "Vanished from the fleet",
          table: portTable(r.ports.fleet.vanished, false, "Last released"),
        },
        { caption: "Appeared per cluster", table: portTable(r.ports.byCluster.appeared, true, "First held") },
        {
          caption: "Vanished per cluster",
          table: portTable(r.ports.byCluster.vanished, true, "Last released"),
        },
      ],
    },
    {
      title: "Workloads holding host ports",
      tables: [
        { caption: "Started holding ports", table: workloadTable(r.workloads.started, "Since") },
        { caption: "Stopped holding ports", table: workloadTable(r.workloads.stopped, "Until") },
      ],
    },
    {
      title: "Headroom lows",
      tables: [
        {
          caption: "Lowest headroom per workload (replicas that could still be added)",
          table: {
            headers: ["Workload", "Lowest", "At", "Status then"],
            rows: r.headroom.items.map((w) => [workloadName(w), String(w.lowest), w.at, w.status]),
            more: r.headroom.more,
            empty: "no workload held host ports in this period",
          },
        },
      ],
    },
    {
      title: "Host-port conflicts",
      tables: [
        {
          caption: "Pods left Pending by the scheduler for host ports, longest first",
          table: {
            headers: ["Cluster", "Pod", "Ports", "Pending since", "Until", "Lasted"],
            rows: r.conflicts.items.map((c) => [
              c.cluster,
              `${c.namespace}/${c.pod}`,
              c.ports,
              c.since,
              c.until ?? "still pending",
              humanDuration(c.seconds),
            ]),
            more: r.conflicts.more,
            empty: "none",
          },
        },
      ],
    },
  ];
}

export function renderTrendReport(report: TrendReport, format: TrendReportFormat): string {
  return format === "html" ? renderHtml(report) : renderMarkdown(report);
}

function markdownTable(t: Table): string {
  if (t.rows.length === 0) return `_${t.empty}_`;
  const lines = [
    markdownRow(t.headers),
    `|${t.headers.map(() => "---").join("|")}|`,
    ...t.rows.map(markdownRow),
  ];
  if (t.more > 0) lines.push("", `… and ${t.more} more`);
  return lines.join("\n");
}

/** A series as a row: its first value, the sparkline, its last value (read left to right), then its low and high. */
function markdownSpark(s: ReportSeries): string {
  const values = s.points.map((p) => p.value);
  const known = values.filter((v): v is number => v !== null);
  const cell = (v: number | undefined) => (v === undefined ? "-" : String(v));
  return markdownRow([
    s.name,
    cell(known[0]),
    `\`${sparkline(values, 60)}\``,
    cell(known.at(-1)),
    cell(known.length ? Math.min(...known) : undefined),
    cell(known.length ? Math.max(...known) : undefined),
  ]);
}

function renderMarkdown(r: TrendReport): string {
  const out = [
    `# Host-port trends: ${escapeMarkdownText(r.scope)}`,
    "",
    `Period ${r.from} → ${r.to}, charts every ${humanDuration(r.step)}.`,
    "",
    "## Allocations",
    "",
    "| Series | First | Over the period | Last | Min | Max |",
    "|---|---|---|---|---|---|",
    markdownSpark(r.charts.fleet),
    ...r.charts.topPorts.map(markdownSpark),
    "",
  ];
  for (const section of sections(r)) {
    out.push(`## ${section.title}`, "");
    for (const { caption, table } of section.tables) out.push(`### ${caption}`, "", markdownTable(table), "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function htmlTable(t: Table): string {
  if (t.rows.length === 0) return `<p class="empty">${escapeHtml(t.empty)}</p>`;
  const head = `<tr>${t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const body = t.rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`);
  const more = t.more > 0 ? `<p class="more">… and ${t.more} more</p>` : "";
  return `<table>${head}${body.join("")}</table>${more}`;
}

const STYLE = `body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
th{background:#f3f3f3}.empty,.more{color:#666;font-style:italic}svg{display:block;margin:.5rem 0}`;

function renderHtml(r: TrendReport): string {
  const instants = r.charts.fleet.points.map((p) => p.t);
  const charts = [
    lineChartSvg({
      title: "Allocations, whole scope",
      instants,
      series: [{ name: r.charts.fleet.name, values: r.charts.fleet.points.map((p) => p.value) }],
      marks: r.events.items.map((e) => ({ at: e.at, label: eventText(e) })),
    }),
  ];
  if (r.charts.topPorts.length > 0)
    charts.push(
      lineChartSvg({
        title: "Allocations of the most held ports",
        instants,
        series: r.charts.topPorts.map((s) => ({ name: s.name, values: s.points.map((p) => p.value) })),
      }),
    );
  if (r.headroom.items.length > 0)
    charts.push(
      barChartSvg({
        title: "Headroom lows",
        bars: r.headroom.items.map((w) => ({ label: workloadName(w), value: w.lowest })),
      }),
    );
  const body = [
    `<h1>Host-port trends: ${escapeHtml(r.scope)}</h1>`,
    `<p>Period ${escapeHtml(r.from)} → ${escapeHtml(r.to)}, charts every ${escapeHtml(humanDuration(r.step))}.</p>`,
    "<h2>Allocations</h2>",
    ...charts,
  ];
  for (const section of sections(r)) {
    body.push(`<h2>${escapeHtml(section.title)}</h2>`);
    for (const { caption, table } of section.tables)
      body.push(`<h3>${escapeHtml(caption)}</h3>`, htmlTable(table));
  }
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>Host-port trends: ${escapeHtml(r.scope)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...body,
    "</body></html>",
    "",
  ].join("\n");
}
