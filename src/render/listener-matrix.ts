/**
 * The node listener matrix as CSV (commatrix's columns, so it compares with OpenShift's published
 * flow matrix), Markdown and JSON. Process, pod and namespace names come from nodes and clusters, so
 * every cell goes through escape.ts (markdownRow, toCsv).
 */
import {
  COMMATRIX_COLUMNS,
  commatrixRows,
  type ListenerMatrixRow,
  listenerMatrixExport,
} from "../domain/listener-matrix.js";
import { toCsv } from "./csv.js";
import { escapeMarkdownText } from "./escape.js";
import { markdownRow } from "./markdown.js";

/** commatrix's CSV: loopback-only rows dropped; Optional written as its generated matrix writes it. */
export function listenerMatrixCsv(rows: readonly ListenerMatrixRow[]): string {
  return toCsv(
    COMMATRIX_COLUMNS,
    commatrixRows(rows).map((r) => [
      r.direction,
      r.protocol,
      r.port,
      r.namespace,
      r.service,
      r.pod,
      r.container,
      r.nodeGroup,
      String(r.optional),
    ]),
  );
}

const podCell = (row: ListenerMatrixRow) =>
  row.pods.map((p) => `${p.namespace}/${p.name}${p.container ? ` (${p.container})` : ""}`).join(", ");

/** Every row, loopback ones included: they block wildcard binds of their port on the node. */
export function listenerMatrixMarkdown(cluster: string, rows: readonly ListenerMatrixRow[]): string {
  const lines = [
    `# Node listeners of ${escapeMarkdownText(cluster)}`,
    "",
    markdownRow(["Role", "Protocol", "Port", "Scope", "Processes", "Pods", "Declared", "Classes", "Nodes"]),
    "| --- | --- | ---: | --- | --- | --- | --- | --- | ---: |",
    ...rows.map((row) =>
      markdownRow([
        row.nodeRole || "(none)",
        row.protocol,
        row.port,
        row.scopes.join(", "),
        row.processes.join(", "),
        podCell(row),
        row.declared ? "yes" : "no",
        row.classes.join(", "),
        row.nodes,
      ]),
    ),
  ];
  return `${lines.join("\n")}\n`;
}

export function listenerMatrixJson(cluster: string, rows: ListenerMatrixRow[]): string {
  return `${JSON.stringify(listenerMatrixExport(cluster, rows), null, 2)}\n`;
}
