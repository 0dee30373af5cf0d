/**
 * Reads the listener inputs of --from-file (--ss-tcp, --ss-udp, --proc-net) into a ListenerImport.
 * A /proc input is one node's directory (its files directly, or a copy of /proc with net/ and
 * sys/net/ipv4/), one of its files, or, without a node name, a directory of node directories.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { isDns1123Subdomain } from "../../../src/contract/bounds.js";
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import type { ProcNetFiles } from "../../../src/contract/listener-parsers/proc-net.js";
import { ListenerImport, ListenerInputError, type ListenerSource } from "../collect/listener-import.js";
import type { Logger } from "../ops/log.js";

const SOCKET_FILES = ["tcp", "tcp6", "udp", "udp6"] as const;
const RANGE_FILE = "ip_local_port_range";
/** Where each file sits in a node's directory: right there, or as in /proc. */
const LOCATIONS: Record<keyof ProcNetFiles, string[]> = {
  tcp: ["tcp", "net/tcp"],
  tcp6: ["tcp6", "net/tcp6"],
  udp: ["udp", "net/udp"],
  udp6: ["udp6", "net/udp6"],
  ipLocalPortRange: [RANGE_FILE, `sys/net/ipv4/${RANGE_FILE}`],
};

export async function readListenerSources(
  sources: readonly ListenerSource[],
  byteOrder: ByteOrder,
  logger: Logger,
): Promise<ListenerImport> {
  const imported = new ListenerImport();
  for (const source of sources) {
    if (source.kind === "ss") {
      imported.addSs(source.path, await readFile(source.path, "utf8"), source.protocol, source.node);
    } else if (source.node !== undefined) {
      imported.addProcNet(source.path, source.node, await nodeProcFiles(source.path), byteOrder);
    } else {
      for (const [node, dir] of await nodeDirectories(source.path)) {
        imported.addProcNet(dir, node, await procDirectory(dir), byteOrder);
      }
    }
  }
  for (const { where, skipped, issues } of imported.skipped) {
    logger.warn("skipped lines of a listener input that are not readable sockets", {
      file: where,
      skipped,
      issues: issues.slice(0, 20),
    });
  }
  return imported;
}

/** NODE:PATH of --proc-net: a directory of the node's files, or one file named as in /proc. */
async function nodeProcFiles(path: string): Promise<ProcNetFiles> {
  if ((await stat(path)).isDirectory()) return procDirectory(path);
  const name = basename(path);
  const field = name === RANGE_FILE ? "ipLocalPortRange" : SOCKET_FILES.find((file) => file === name);
  if (!field) {
    throw new ListenerInputError(
      `${path}: a /proc file is known by its name (${SOCKET_FILES.join(", ")} or ${RANGE_FILE}); give the directory holding it, or rename it`,
    );
  }
  return { [field]: await readFile(path, "utf8") };
}

/** The files of one node's directory; at least one socket file must be there. */
async function procDirectory(dir: string): Promise<ProcNetFiles> {
  const files: ProcNetFiles = {};
  for (const [field, locations] of Object.entries(LOCATIONS) as [keyof ProcNetFiles, string[]][]) {
    for (const location of locations) {
      const text = await readFile(join(dir, location), "utf8").catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (text !== undefined) {
        files[field] = text;
        break;
      }
    }
  }
  if (SOCKET_FILES.every((file) => files[file] === undefined)) {
    throw new ListenerInputError(
      `${dir} holds none of ${SOCKET_FILES.join(", ")} (nor net/tcp… as in a copy of /proc)`,
    );
  }
  return files;
}

/** --proc-net DIR: each subdirectory is a node, named after it. */
async function nodeDirectories(dir: string): Promise<[string, string][]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const own = entries.filter((e) => SOCKET_FILES.some((file) => e.name === file) || e.name === "net");
  if (own.length > 0) {
    throw new ListenerInputError(
      `${dir} holds one node's /proc files (${own.map((e) => e.name).join(", ")}): name the node, --proc-net NODE:${dir}`,
    );
  }
  const nodes: [string, string][] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const directory = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory());
    if (!directory) continue;
    if (!isDns1123Subdomain(entry.name)) {
      throw new ListenerInputError(
        `${path}: "${entry.name}" is not a node name; --proc-net DIR takes one directory per node, named after it`,
      );
    }
    nodes.push([entry.name, path]);
  }
  if (nodes.length === 0) {
    throw new ListenerInputError(
      `${dir} holds no node directory; --proc-net DIR takes one directory per node, named after it (or write NODE:${dir})`,
    );
  }
  return nodes.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
