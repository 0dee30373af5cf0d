/**
 * Reading /proc/net/{tcp,tcp6,udp,udp6} with bounded memory. On a busy node those files hold a row per
 * connection (hundreds of thousands), so they are read in chunks and only rows in a listening state
 * (TCP 0A, UDP 07) are kept for the contract's parser, which makes every other decision. Synchronous:
 * the reader has nothing else to do during a scan, and sync reads of procfs are the cheapest.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { MAX_LISTENERS_PER_NODE } from "../../../src/contract/bound-values.js";
import type { ProcNetFiles } from "../../../src/contract/listener-parsers/proc-net.js";

const CHUNK = 64 * 1024;
/** Rows kept per file: a node holds at most MAX_LISTENERS_PER_NODE listeners, the parser refuses more. */
const MAX_KEPT_ROWS = MAX_LISTENERS_PER_NODE + 1;
/** TCP_LISTEN, and TCP_CLOSE which is how a bound, unconnected UDP socket shows. */
const LISTENING_STATE = { tcp: "0A", tcp6: "0A", udp: "07", udp6: "07" } as const;

export type NetFile = keyof typeof LISTENING_STATE;
export const NET_FILES = Object.keys(LISTENING_STATE) as NetFile[];

/**
 * The rows of one file that may be listeners (the header kept), or undefined when the file is absent.
 * With `inodes`, the socket inode of each kept row is added to it (what the attribution tier looks for
 * in /proc/<pid>/fd; a bound UDP socket that is connected is looked for too, harmlessly).
 */
export function readListeningRows(path: string, file: NetFile, inodes?: Set<number>): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    // tcp6/udp6 are absent when IPv6 is disabled; without tcp or udp this is not a /proc to trust.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && file.endsWith("6")) return undefined;
    throw error;
  }
  const state = LISTENING_STATE[file];
  const kept: string[] = [];
  const buffer = Buffer.allocUnsafe(CHUNK);
  let rest = "";
  const keep = (line: string) => {
    // "  sl  local rem st …": the state is the fourth field; headers start with "sl".
    const fields = line.trim().split(/\s+/, inodes ? 10 : 4);
    if (fields[0] === "sl") kept.push(line);
    else if (fields[3] === state) {
      kept.push(line);
      const inode = fields[9];
      if (inodes && inode !== undefined && /^\d{1,15}$/.test(inode)) inodes.add(Number(inode));
    }
  };
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      const lines = (rest + buffer.toString("latin1", 0, read)).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) keep(line);
      // One row past the bound lets the parser refuse with its own code and message.
      if (kept.length > MAX_KEPT_ROWS) break;
    }
    if (rest) keep(rest);
  } finally {
    closeSync(fd);
  }
  return `${kept.join("\n")}\n`;
}

/** The node's four /proc/net files (listening rows only) and its outgoing port range; see `inodes` above. */
export function readProcNetFiles(procRoot: string, inodes?: Set<number>): ProcNetFiles {
  const files: ProcNetFiles = {};
  for (const file of NET_FILES) {
    const text = readListeningRows(join(procRoot, "net", file), file, inodes);
    if (text !== undefined) files[file] = text;
  }
  try {
    files.ipLocalPortRange = readFileSync(
      join(procRoot, "sys", "net", "ipv4", "ip_local_port_range"),
      "latin1",
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return files;
}
