/**
 * The pod tier's extra read: /proc/<pid>/cgroup of each process that holds a listening socket (never
 * of every process), each read up to a small bound, turned into where the process sits (cgroup.ts).
 * The file is world-readable: what the process tier may walk, this tier may read.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { MAX_OWNERS_PER_REPORT, type ProcessOwner } from "../listeners/protocol.js";
import { placeOfCgroupFile } from "./cgroup.js";

/** A v1 host lists a dozen hierarchies of a few hundred bytes each; more is not a cgroup file. */
const MAX_CGROUP_BYTES = 16 * 1024;

export interface OwnerScan {
  owners: ProcessOwner[];
  /** processes whose cgroup could not be read (gone since the fd walk), or said nothing usable */
  unreadable: number;
  /** more processes than MAX_OWNERS_PER_REPORT: the rest have no entry */
  truncated: boolean;
}

export function readProcessOwners(procRoot: string, pids: Iterable<number>): OwnerScan {
  const scan: OwnerScan = { owners: [], unreadable: 0, truncated: false };
  const buffer = Buffer.allocUnsafe(MAX_CGROUP_BYTES);
  for (const pid of pids) {
    if (scan.owners.length >= MAX_OWNERS_PER_REPORT) {
      scan.truncated = true;
      break;
    }
    const text = readBounded(join(procRoot, String(pid), "cgroup"), buffer);
    const place = text === undefined ? undefined : placeOfCgroupFile(text);
    if (place === undefined) {
      scan.unreadable++;
      continue;
    }
    if (!place.inPod) scan.owners.push({ pid });
    else {
      const pod: NonNullable<ProcessOwner["pod"]> = {};
      if (place.podUid !== undefined) pod.uid = place.podUid;
      if (place.containerId !== undefined) pod.containerId = place.containerId;
      scan.owners.push({ pid, pod });
    }
  }
  scan.owners.sort((a, b) => a.pid - b.pid);
  return scan;
}

function readBounded(path: string, buffer: Buffer): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined; // the process is gone
  }
  try {
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) break;
    }
    return buffer.toString("latin1", 0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
