/**
 * One scan of the node: its /proc/net files and outgoing port range through the contract's parser
 * (parseProcNetNode), with the processes holding each socket when the attribution tier is on. The
 * report comes out in a canonical order, so equal listener sets give equal fingerprints.
 */
import { createHash } from "node:crypto";
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import type { ListenerParseIssue } from "../../../src/contract/listener-parsers/listener-set.js";
import { parseProcNetNode } from "../../../src/contract/listener-parsers/proc-net.js";
import { listenerKey, type NodeListeners } from "../../../src/contract/listeners.js";
import type { Attribution } from "./config.js";
import { readProcNetFiles } from "./proc-files.js";
import { DEFAULT_PROCESS_LIMITS, type ProcessScanLimits, scanSocketOwners } from "./processes.js";

export interface ScanOptions {
  procRoot: string;
  node: string;
  attribution: Attribution;
  byteOrder: ByteOrder;
  processLimits?: ProcessScanLimits;
}

export type ScanResult =
  | {
      ok: true;
      report: NodeListeners;
      /** what identifies the listener set: a hash of the canonical report, so no copy of it is kept */
      fingerprint: string;
      skipped: number;
      issues: ListenerParseIssue[];
      /** attribution only: the process walk hit a bound, or some processes could not be read */
      processScan?: { truncated: boolean; unreadable: number };
    }
  | { ok: false; code: string; message: string };

export function scanNode(options: ScanOptions): ScanResult {
  const read = readAndParse(options);
  if (!read.parsed.ok) return read.parsed;
  const report = canonicalReport(read.parsed.value);
  // Hashed listener by listener: no second copy of a 10,000-listener report as one string.
  const hash = createHash("sha256").update(JSON.stringify({ ...report, listeners: undefined }));
  for (const listener of report.listeners) hash.update(JSON.stringify(listener));
  return {
    ok: true,
    report,
    fingerprint: hash.digest("base64"),
    skipped: read.parsed.skipped,
    issues: read.parsed.issues,
    ...(read.processScan ? { processScan: read.processScan } : {}),
  };
}

/** The files are read and parsed here, so their text is garbage once this returns. */
function readAndParse(options: ScanOptions) {
  const parseOptions = { byteOrder: options.byteOrder };
  if (options.attribution !== "process") {
    return { parsed: parseProcNetNode(options.node, readProcNetFiles(options.procRoot), parseOptions) };
  }
  // Only the inodes of listening rows are looked for in /proc/<pid>/fd.
  const wanted = new Set<number>();
  const files = readProcNetFiles(options.procRoot, wanted);
  const owners = scanSocketOwners(options.procRoot, wanted, options.processLimits ?? DEFAULT_PROCESS_LIMITS);
  wanted.clear();
  return {
    parsed: parseProcNetNode(options.node, files, {
      ...parseOptions,
      processesByInode: owners.processesByInode,
    }),
    processScan: { truncated: owners.truncated, unreadable: owners.unreadable },
  };
}

/** Listeners by key, processes by pid then name: /proc's row order and the fd walk's order vary. Sorts in place. */
export function canonicalReport(report: NodeListeners): NodeListeners {
  for (const listener of report.listeners) {
    listener.processes.sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0) || a.name.localeCompare(b.name));
  }
  const keyed = report.listeners.map((listener) => ({ key: listenerKey(listener), listener }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ...report, listeners: keyed.map((k) => k.listener) };
}
