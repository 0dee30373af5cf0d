/**
 * One scan of the node: its /proc/net files and outgoing port range through the contract's parser
 * (parseProcNetNode), with the processes holding each socket when the attribution tier is on, and
 * (pod tier) where each of those processes sits, from its cgroup. The report comes out in a canonical
 * order, so equal listener sets give equal fingerprints.
 */
import { createHash } from "node:crypto";
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import type { ListenerParseIssue } from "../../../src/contract/listener-parsers/listener-set.js";
import { parseProcNetNode } from "../../../src/contract/listener-parsers/proc-net.js";
import { listenerKey } from "../../../src/contract/listeners.js";
import type { ReaderReport } from "../listeners/protocol.js";
import type { Attribution } from "./config.js";
import { readProcNetFiles } from "./proc-files.js";
import { readProcessOwners } from "./process-cgroups.js";
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
      report: ReaderReport;
      /** what identifies the listener set: a hash of the canonical report, so no copy of it is kept */
      fingerprint: string;
      skipped: number;
      issues: ListenerParseIssue[];
      /** attribution only: the process walk hit a bound, or some processes could not be read */
      processScan?: { truncated: boolean; unreadable: number };
      /** pod tier only: processes whose cgroup could not be read, and whether the owners were cut */
      ownerScan?: { truncated: boolean; unreadable: number };
    }
  | { ok: false; code: string; message: string };

export function scanNode(options: ScanOptions): ScanResult {
  const read = readAndParse(options);
  if (!read.parsed.ok) return read.parsed;
  const report: ReaderReport = canonicalReport(read.parsed.value);
  if (read.owners) {
    // Pod tier: "pod" once any cgroup was read (or none was needed); if every read failed, the
    // report says what it is, processes only.
    const readAny = read.owners.owners.length > 0 || read.owners.unreadable === 0;
    report.attribution = readAny ? "pod" : "process";
    if (readAny) report.owners = read.owners.owners;
  }
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
    ...(read.owners
      ? { ownerScan: { truncated: read.owners.truncated, unreadable: read.owners.unreadable } }
      : {}),
  };
}

/** The files are read and parsed here, so their text is garbage once this returns. */
function readAndParse(options: ScanOptions) {
  const parseOptions = { byteOrder: options.byteOrder };
  if (options.attribution === "none") {
    return {
      parsed: parseProcNetNode(options.node, readProcNetFiles(options.procRoot), parseOptions),
      owners: undefined,
    };
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
    // Pod tier: the cgroups of the socket owners only.
    owners:
      options.attribution === "pod" ? readProcessOwners(options.procRoot, ownerPids(owners)) : undefined,
  };
}

function ownerPids(scan: ReturnType<typeof scanSocketOwners>): Set<number> {
  const pids = new Set<number>();
  for (const holders of scan.processesByInode.values())
    for (const holder of holders) if (holder.pid !== undefined) pids.add(holder.pid);
  return pids;
}

/** Listeners by key, processes by pid then name: /proc's row order and the fd walk's order vary. Sorts in place. */
export function canonicalReport<R extends ReaderReport>(report: R): R {
  for (const listener of report.listeners) {
    listener.processes.sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0) || a.name.localeCompare(b.name));
  }
  const keyed = report.listeners.map((listener) => ({ key: listenerKey(listener), listener }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ...report, listeners: keyed.map((k) => k.listener) };
}
