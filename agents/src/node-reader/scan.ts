/**
 * One scan of the node: its /proc/net files and outgoing port range through the contract's parser
 * (parseProcNetNode), with the processes holding each socket when the attribution tier is on. The
 * report comes out in a canonical order, so equal listener sets give equal fingerprints.
 */
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import type { ListenerParseIssue } from "../../../src/contract/listener-parsers/listener-set.js";
import { parseProcNetNode } from "../../../src/contract/listener-parsers/proc-net.js";
import { type ListenerProcess, listenerKey, type NodeListeners } from "../../../src/contract/listeners.js";
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
      /** what identifies the listener set (not the time it was seen) */
      fingerprint: string;
      skipped: number;
      issues: ListenerParseIssue[];
      /** attribution only: the process walk hit a bound, or some processes could not be read */
      processScan?: { truncated: boolean; unreadable: number };
    }
  | { ok: false; code: string; message: string };

export function scanNode(options: ScanOptions): ScanResult {
  const files = readProcNetFiles(options.procRoot);
  const parseOptions = { byteOrder: options.byteOrder };
  let processScan: { truncated: boolean; unreadable: number } | undefined;
  let processesByInode: Map<number, ListenerProcess[]> | undefined;
  if (options.attribution === "process") {
    // The parser asks the map only for the inodes of listening sockets: record those, then look
    // for exactly them in /proc/<pid>/fd.
    const wanted = new Set<number>();
    const recorder: ReadonlyMap<number, readonly ListenerProcess[]> = Object.assign(new Map(), {
      get: (inode: number) => {
        wanted.add(inode);
        return undefined;
      },
    });
    const first = parseProcNetNode(options.node, files, { ...parseOptions, processesByInode: recorder });
    if (!first.ok) return first;
    const owners = scanSocketOwners(
      options.procRoot,
      wanted,
      options.processLimits ?? DEFAULT_PROCESS_LIMITS,
    );
    processesByInode = owners.processesByInode;
    processScan = { truncated: owners.truncated, unreadable: owners.unreadable };
  }
  const parsed = parseProcNetNode(
    options.node,
    files,
    processesByInode ? { ...parseOptions, processesByInode } : parseOptions,
  );
  if (!parsed.ok) return parsed;
  const report = canonicalReport(parsed.value);
  return {
    ok: true,
    report,
    fingerprint: JSON.stringify(report),
    skipped: parsed.skipped,
    issues: parsed.issues,
    ...(processScan ? { processScan } : {}),
  };
}

/** Listeners by key, processes by pid then name: /proc's row order and the fd walk's order vary. */
export function canonicalReport(report: NodeListeners): NodeListeners {
  const listeners = report.listeners
    .map((l) => ({
      ...l,
      processes: [...l.processes].sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0) || a.name.localeCompare(b.name)),
    }))
    .sort((a, b) => (listenerKey(a) < listenerKey(b) ? -1 : listenerKey(a) > listenerKey(b) ? 1 : 0));
  return { ...report, listeners };
}
