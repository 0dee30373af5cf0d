/**
 * The listener matrix against a baseline: a commatrix CSV (its generated matrix with a `NodeGroup`
 * column, or OpenShift's documented one with `Node Role`) or an earlier JSON export of ours. Rows
 * compare by node role, protocol and port, the only columns both sides always fill (commatrix's
 * Namespace/Service/Pod columns name pods by generated names or by workload, so they differ between
 * runs without anything changing on the node). Against a commatrix baseline, loopback-only rows are
 * left out of the comparison, as commatrix leaves them out of its matrix.
 */
import { parseCsv } from "../contract/csv.js";
import {
  LISTENER_MATRIX_EXPORT_KIND,
  type ListenerMatrixRow,
  reachableFromOffNode,
} from "./listener-matrix.js";

export interface BaselineRow {
  nodeRole: string;
  protocol: string;
  port: number;
  /** from an export of ours; a commatrix row does not say, and being listed is acceptance */
  declared?: boolean;
}

export interface MatrixBaseline {
  source: "commatrix-csv" | "listener-matrix-json";
  rows: BaselineRow[];
}

export type BaselineParseResult = { ok: true; baseline: MatrixBaseline } | { ok: false; message: string };

export interface MatrixDiff {
  added: ListenerMatrixRow[];
  removed: BaselineRow[];
  /**
   * Listeners a compliance gate fails on: an added row with an undeclared listener, or a row the
   * baseline had as declared that now has an undeclared one.
   */
  newUndeclared: ListenerMatrixRow[];
}

const rowKey = (row: { nodeRole: string; protocol: string; port: number }) =>
  `${row.nodeRole}|${row.protocol.toUpperCase()}|${row.port}`;

export function diffMatrix(current: readonly ListenerMatrixRow[], baseline: MatrixBaseline): MatrixDiff {
  const compared = baseline.source === "commatrix-csv" ? current.filter(reachableFromOffNode) : current;
  const before = new Map(baseline.rows.map((row) => [rowKey(row), row]));
  const now = new Set(compared.map(rowKey));
  const added = compared.filter((row) => !before.has(rowKey(row)));
  const removed = baseline.rows.filter((row) => !now.has(rowKey(row)));
  const newUndeclared = compared.filter((row) => {
    if (row.declared) return false;
    const was = before.get(rowKey(row));
    return was === undefined || was.declared === true;
  });
  return { added, removed, newUndeclared };
}

const PORT = /^\d{1,5}$/;

function commatrixBaseline(text: string): BaselineParseResult {
  const parsed = parseCsv(text);
  if (!parsed.ok) return { ok: false, message: `CSV line ${parsed.line}: ${parsed.message}` };
  const [header, ...records] = parsed.records;
  const columns = (header ?? []).map((name) => name.trim());
  const protocolAt = columns.indexOf("Protocol");
  const portAt = columns.indexOf("Port");
  const roleAt = columns.includes("NodeGroup") ? columns.indexOf("NodeGroup") : columns.indexOf("Node Role");
  if (protocolAt < 0 || portAt < 0 || roleAt < 0) {
    return {
      ok: false,
      message: "a commatrix CSV needs Protocol, Port and NodeGroup (or Node Role) columns",
    };
  }
  const rows: BaselineRow[] = [];
  for (const [index, record] of records.entries()) {
    if (record.length === 1 && record[0] === "") continue;
    const port = (record[portAt] ?? "").trim();
    if (!PORT.test(port) || Number(port) > 65535) {
      return { ok: false, message: `CSV record ${index + 2}: port ${JSON.stringify(port)} is not a port` };
    }
    rows.push({
      nodeRole: (record[roleAt] ?? "").trim(),
      protocol: (record[protocolAt] ?? "").trim().toUpperCase(),
      port: Number(port),
    });
  }
  return { ok: true, baseline: { source: "commatrix-csv", rows } };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function exportBaseline(text: string): BaselineParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "the baseline is not valid JSON" };
  }
  if (!isObject(value) || value.kind !== LISTENER_MATRIX_EXPORT_KIND || !Array.isArray(value.rows)) {
    return { ok: false, message: `a JSON baseline must be a ${LISTENER_MATRIX_EXPORT_KIND} export` };
  }
  const rows: BaselineRow[] = [];
  for (const [index, row] of value.rows.entries()) {
    if (
      !isObject(row) ||
      typeof row.nodeRole !== "string" ||
      typeof row.protocol !== "string" ||
      typeof row.port !== "number" ||
      typeof row.declared !== "boolean"
    ) {
      return { ok: false, message: `row ${index}: needs nodeRole, protocol, port and declared` };
    }
    rows.push({ nodeRole: row.nodeRole, protocol: row.protocol, port: row.port, declared: row.declared });
  }
  return { ok: true, baseline: { source: "listener-matrix-json", rows } };
}

/** A baseline file's text: JSON when it starts with `{`, a commatrix CSV otherwise. */
export function parseMatrixBaseline(text: string): BaselineParseResult {
  return text.trimStart().startsWith("{") ? exportBaseline(text) : commatrixBaseline(text);
}
