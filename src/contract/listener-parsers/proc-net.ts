/**
 * /proc/net/{tcp,tcp6,udp,udp6} as the node reader (or an admin's copy) gives them, and
 * /proc/sys/net/ipv4/ip_local_port_range. /proc shows the bound address and port and the socket's
 * inode; it does not show the owning process (that needs /proc/<pid>/fd, given here as an optional
 * inode map), the IPV6_V6ONLY flag (so `dualStack` stays absent) or a bound interface.
 */
import type { ListenerProcess, ListenerProtocol, NodeListeners, ObservedListener } from "../listeners.js";
import { type ByteOrder, procHexAddress, procHexPort } from "./address.js";
import { IssueLog, type ListenerParse, ListenerSet, tooManyListeners } from "./listener-set.js";

/** TCP_LISTEN; UDP reuses the TCP numbers, and a bound unconnected UDP socket is TCP_CLOSE. */
const LISTEN_STATE: Record<ListenerProtocol, number> = { TCP: 0x0a, UDP: 0x07 };

export interface ProcNetOptions {
  /** byte order of the host that wrote the file; "little" for x86_64 and arm64 */
  byteOrder?: ByteOrder;
  /** socket inode -> processes holding it (from /proc/<pid>/fd), when the attributing tier has it */
  processesByInode?: ReadonlyMap<number, readonly ListenerProcess[]>;
}

/**
 * The listeners in /proc/net text of one protocol: tcp and tcp6 (or udp and udp6) may be concatenated,
 * headers (first token `sl`) may repeat, the family follows from the address's length. TCP counts
 * state 0A (LISTEN); UDP counts state 07 with an all-zero remote (bound, not connected).
 */
export function parseProcNet(
  text: string,
  protocol: ListenerProtocol,
  options: ProcNetOptions = {},
): ListenerParse<ObservedListener[]> {
  const issues = new IssueLog();
  const set = new ListenerSet();
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const fields = (lines[index] ?? "").trim().split(/\s+/);
    const first = fields[0] ?? "";
    if (first === "" || first === "sl") continue;
    const row = rowOf(fields, options.byteOrder ?? "little");
    if (typeof row === "string") {
      issues.skip(line, row);
      continue;
    }
    if (row.state !== LISTEN_STATE[protocol] || (protocol === "UDP" && !row.remoteIsZero)) continue;
    const processes = row.inode === undefined ? undefined : options.processesByInode?.get(row.inode);
    const listener: ObservedListener = {
      protocol,
      ...row.local,
      port: row.port,
      processes: [...(processes ?? [])],
    };
    if (!set.add(listener)) return tooManyListeners(line, `/proc/net ${protocol} text`);
  }
  return { ok: true, value: set.values(), skipped: issues.skipped, issues: issues.issues };
}

interface ProcRow {
  local: NonNullable<ReturnType<typeof procHexAddress>>;
  port: number;
  remoteIsZero: boolean;
  state: number;
  inode: number | undefined;
}

/** One socket line, or why it is not one. */
function rowOf(fields: string[], order: ByteOrder): ProcRow | string {
  const [sl = "", localText = "", remoteText = "", stateText = "", , , , , , inodeText] = fields;
  if (!/^\d+:$/.test(sl))
    return `not a /proc/net row: the first field is not an entry number ("${clip(sl)}")`;
  if (fields.length < 4) return "a /proc/net row has at least 4 fields (sl, local, remote, st)";
  const [localHex = "", portHex = ""] = localText.split(":");
  const local = procHexAddress(localHex, order);
  const port = procHexPort(portHex);
  if (!local || port === undefined || localText.split(":").length !== 2) {
    return `local address "${clip(localText)}" is not HEXADDR:HEXPORT`;
  }
  const [remoteHex = "", remotePort = ""] = remoteText.split(":");
  if (!/^[0-9A-Fa-f]+$/.test(remoteHex) || procHexPort(remotePort) === undefined) {
    return `remote address "${clip(remoteText)}" is not HEXADDR:HEXPORT`;
  }
  if (!/^[0-9A-Fa-f]{2}$/.test(stateText)) return `state "${clip(stateText)}" is not two hex digits`;
  if (port === 0) return "port 0 is not a bound port";
  const inode = inodeText !== undefined && /^\d{1,15}$/.test(inodeText) ? Number(inodeText) : undefined;
  return {
    local,
    port,
    remoteIsZero: /^0+$/.test(remoteHex) && /^0+$/.test(remotePort),
    state: Number.parseInt(stateText, 16),
    inode,
  };
}

const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** The four files of one node, each optional (a reader may find no tcp6 on an IPv4-only kernel). */
export interface ProcNetFiles {
  tcp?: string;
  tcp6?: string;
  udp?: string;
  udp6?: string;
  /** /proc/sys/net/ipv4/ip_local_port_range */
  ipLocalPortRange?: string;
}

/**
 * One node's listeners from its /proc files: attribution "process" when an inode map was given,
 * "none" otherwise. A malformed port range is an issue (line 1, prefixed with the file), never a refusal.
 */
export function parseProcNetNode(
  node: string,
  files: ProcNetFiles,
  options: ProcNetOptions = {},
): ListenerParse<NodeListeners> {
  const set = new ListenerSet();
  const issues = new IssueLog();
  const parts: [keyof ProcNetFiles, ListenerProtocol][] = [
    ["tcp", "TCP"],
    ["tcp6", "TCP"],
    ["udp", "UDP"],
    ["udp6", "UDP"],
  ];
  for (const [file, protocol] of parts) {
    const text = files[file];
    if (text === undefined) continue;
    const parsed = parseProcNet(text, protocol, options);
    if (!parsed.ok) return { ...parsed, message: `node ${node}, ${file}: ${parsed.message}` };
    issues.absorb(parsed, `${file}: `);
    for (const listener of parsed.value) {
      if (!set.add(listener)) return tooManyListeners(0, `node ${node} (its files together)`);
    }
  }
  const result: NodeListeners = {
    node,
    attribution: options.processesByInode ? "process" : "none",
    listeners: set.values(),
  };
  if (files.ipLocalPortRange !== undefined) {
    const range = parseLocalPortRange(files.ipLocalPortRange);
    if (typeof range === "string") issues.skip(1, `ip_local_port_range: ${range}`);
    else result.localPortRange = range;
  }
  return { ok: true, value: result, skipped: issues.skipped, issues: issues.issues };
}

/**
 * /proc/sys/net/ipv4/ip_local_port_range: two decimal ports separated by whitespace (the kernel writes
 * a TAB: `32768\t60999\n`), each 1..65535, the first not above the second (the kernel's own rule).
 * Returns the range or why the text is not one.
 */
export function parseLocalPortRange(text: string): { from: number; to: number } | string {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 2 || !fields.every((field) => /^\d{1,5}$/.test(field))) {
    return `expected two decimal ports separated by whitespace, got "${clip(text.trim())}"`;
  }
  const [from, to] = fields.map(Number) as [number, number];
  if (from < 1 || to > 65_535) return `ports must lie in 1..65535 (got ${from} ${to})`;
  if (from > to) return `the range starts above its end (${from} > ${to})`;
  return { from, to };
}
