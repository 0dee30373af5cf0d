/**
 * The attribution tier: which processes hold each listening socket, from /proc/<pid>/fd links
 * (`socket:[inode]`) and /proc/<pid>/comm. Needs hostPID (to see the host's processes) and, for
 * processes of other users, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (docs/listeners.md). Only the
 * inodes of listening sockets are looked for, and the walk is bounded in processes and descriptors.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { MAX_PROCESSES_PER_LISTENER } from "../../../src/contract/bound-values.js";
import type { ListenerProcess } from "../../../src/contract/listeners.js";

export interface ProcessScanLimits {
  /** processes looked at (a node's pid_max may be 4 million; real nodes run a few thousand) */
  maxProcesses: number;
  /** descriptors read in one scan, all processes together */
  maxDescriptors: number;
}

export const DEFAULT_PROCESS_LIMITS: ProcessScanLimits = { maxProcesses: 100_000, maxDescriptors: 1_000_000 };

export interface ProcessScan {
  processesByInode: Map<number, ListenerProcess[]>;
  /** processes whose descriptors could not be read (gone, or not permitted) */
  unreadable: number;
  /** a bound was reached: some sockets may lack their processes */
  truncated: boolean;
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

export function scanSocketOwners(
  procRoot: string,
  wanted: ReadonlySet<number>,
  limits: ProcessScanLimits = DEFAULT_PROCESS_LIMITS,
): ProcessScan {
  const processesByInode = new Map<number, ListenerProcess[]>();
  const scan: ProcessScan = { processesByInode, unreadable: 0, truncated: false };
  if (wanted.size === 0) return scan;
  let processes = 0;
  let descriptors = 0;
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    if (++processes > limits.maxProcesses) {
      scan.truncated = true;
      break;
    }
    let fds: string[];
    try {
      fds = readdirSync(join(procRoot, entry, "fd"));
    } catch {
      scan.unreadable++;
      continue;
    }
    let name: string | undefined;
    for (const fd of fds) {
      if (++descriptors > limits.maxDescriptors) {
        scan.truncated = true;
        return scan;
      }
      let link: string;
      try {
        link = readlinkSync(join(procRoot, entry, "fd", fd));
      } catch {
        continue; // closed meanwhile
      }
      const inode = SOCKET_LINK.exec(link)?.[1];
      if (inode === undefined || !wanted.has(Number(inode))) continue;
      name ??= commOf(procRoot, entry);
      if (name === undefined) break; // the process is gone
      const holders = processesByInode.get(Number(inode)) ?? [];
      const pid = Number(entry);
      if (holders.length < MAX_PROCESSES_PER_LISTENER && !holders.some((p) => p.pid === pid)) {
        holders.push({ name, pid });
      }
      processesByInode.set(Number(inode), holders);
    }
  }
  return scan;
}

/** The kernel's comm (at most 15 characters), or undefined when the process has gone. */
function commOf(procRoot: string, pid: string): string | undefined {
  try {
    const comm = readFileSync(join(procRoot, pid, "comm"), "utf8").replace(/\n$/, "");
    // By code point: a cut surrogate pair would not be storable text.
    return comm.length > 0 ? Array.from(comm).slice(0, 15).join("") : undefined;
  } catch {
    return undefined;
  }
}
