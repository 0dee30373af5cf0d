/**
 * `ss -anpltH` / `ss -anpluH` output (iproute2), as admins and openshift-kni/commatrix collect it:
 * one file per node, or commatrix's `raw-ss-tcp` / `raw-ss-udp` where each node's block starts with a
 * `node: <name>` line. A header line (`State Recv-Q ...`, ss without -H) and rows not listening (ESTAB
 * and the like, ss without -l) are passed over; a leading Netid column (`tcp`/`udp`, ss with both -t
 * and -u) names the row's protocol.
 */
import { isDns1123Subdomain, MAX_NODES } from "../bounds.js";
import type { ListenerProcess, ListenerProtocol, NodeListeners, ObservedListener } from "../listeners.js";
import { textAddress } from "./address.js";
import {
  IssueLog,
  type ListenerParse,
  type ListenerParseRefusal,
  ListenerSet,
  tooManyListeners,
} from "./listener-set.js";

/** What ss prints in the State column for a listener: LISTEN for TCP, UNCONN for a bound UDP socket. */
const LISTEN_STATE: Record<ListenerProtocol, string> = { TCP: "LISTEN", UDP: "UNCONN" };
const NETID: Record<string, ListenerProtocol> = { tcp: "TCP", udp: "UDP" };
const STATES = new Set([
  "LISTEN",
  "UNCONN",
  "ESTAB",
  "SYN-SENT",
  "SYN-RECV",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "CLOSE-WAIT",
  "LAST-ACK",
  "CLOSING",
  "CLOSED",
  "UNKNOWN",
]);
const NODE_LINE = /^node:\s*(\S*)\s*$/;
/** `("name",pid=1,fd=4)`; a name holding a quote (ss does not escape it) is not read */
const USER = /\("([^"]*)",pid=(\d+)(?:,fd=\d+)?\)/g;

/** A node's block of rows, in its own line numbers of the whole text. */
class NodeBlock {
  readonly set = new ListenerSet();
  sawUsers = false;
  constructor(readonly node: string) {}

  result(): NodeListeners {
    return { node: this.node, attribution: this.sawUsers ? "process" : "none", listeners: this.set.values() };
  }
}

/** One node's ss output (a file per node). `protocol` is what -t or -u selected. */
export function parseSsNode(
  node: string,
  text: string,
  protocol: ListenerProtocol,
): ListenerParse<NodeListeners> {
  const parsed = parseSs(text, protocol, node);
  if (!parsed.ok) return parsed;
  const [only] = parsed.value;
  return { ...parsed, value: only ?? { node, attribution: "none", listeners: [] } };
}

/**
 * commatrix's multi-node files: blocks started by `node: <name>` lines. Rows before the first node
 * line, and blocks whose name is not a Kubernetes node name, are skipped with an issue. A node named
 * twice (files concatenated) has its blocks merged.
 */
export function parseSsNodes(text: string, protocol: ListenerProtocol): ListenerParse<NodeListeners[]> {
  return parseSs(text, protocol, undefined);
}

function parseSs(
  text: string,
  protocol: ListenerProtocol,
  singleNode: string | undefined,
): ListenerParse<NodeListeners[]> {
  const issues = new IssueLog();
  const blocks = new Map<string, NodeBlock>();
  let current: NodeBlock | undefined;
  if (singleNode !== undefined) {
    current = new NodeBlock(singleNode);
    blocks.set(singleNode, current);
  }
  let skippingBlock = false;
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const trimmed = (lines[index] ?? "").trim();
    if (trimmed === "") continue;
    const nodeLine = singleNode === undefined ? NODE_LINE.exec(trimmed) : null;
    if (nodeLine) {
      const name = nodeLine[1] ?? "";
      skippingBlock = !isDns1123Subdomain(name);
      if (skippingBlock) {
        issues.skip(line, `"${clip(name)}" is not a node name; its block is skipped`);
        current = undefined;
        continue;
      }
      current = blocks.get(name);
      if (!current) {
        if (blocks.size >= MAX_NODES) return tooManyNodes(line);
        current = new NodeBlock(name);
        blocks.set(name, current);
      }
      continue;
    }
    if (skippingBlock) {
      issues.skipped++;
      continue;
    }
    const row = rowOf(trimmed, protocol);
    if (row === undefined) continue;
    if (typeof row === "string") {
      issues.skip(line, row);
      continue;
    }
    if (!current) {
      issues.skip(line, "a row before any `node: <name>` line");
      continue;
    }
    if (row.sawUsers) current.sawUsers = true;
    if (!current.set.add(row.listener)) return tooManyListeners(line, `node ${current.node}`);
  }
  const value = [...blocks.values()].map((block) => block.result());
  return { ok: true, value, skipped: issues.skipped, issues: issues.issues };
}

/** A listener row, undefined for a header or a row not listening, or why the line is not a row. */
function rowOf(
  line: string,
  selected: ListenerProtocol,
): { listener: ObservedListener; sawUsers: boolean } | string | undefined {
  const fields = line.split(/\s+/);
  let protocol = selected;
  const netid = NETID[fields[0] ?? ""];
  if (netid) {
    protocol = netid;
    fields.shift();
  } else if (fields[0] === "Netid") {
    return undefined;
  }
  const [state = "", recvQ = "", sendQ = "", local = ""] = fields;
  if (state === "State" && recvQ === "Recv-Q") return undefined;
  if (!STATES.has(state)) return `not an ss row: unknown state "${clip(state)}"`;
  if (!/^\d+$/.test(recvQ) || !/^\d+$/.test(sendQ)) return "not an ss row: Recv-Q and Send-Q are not numbers";
  if (fields.length < 5) return "an ss row has State, Recv-Q, Send-Q, Local and Peer columns";
  if (state !== LISTEN_STATE[protocol]) return undefined;
  const bound = boundAddress(local);
  if (typeof bound === "string") return bound;
  const processText = fields.slice(5).join(" ");
  const processes: ListenerProcess[] = [...processText.matchAll(USER)].map((m) => ({
    name: m[1] ?? "",
    pid: Number(m[2]),
  }));
  return { listener: { protocol, ...bound, processes }, sawUsers: processText.includes("users:(") };
}

type Bound = Omit<ObservedListener, "protocol" | "processes">;

/**
 * ss's Local Address:Port: `0.0.0.0:22`, `127.0.0.1:29103`, `*:10250` (an IPv6 wildcard that accepts
 * IPv4 too), `[::]:22` (IPv6 only), `[::1]:323`, `[::ffff:127.0.0.1]:80`, and an interface either
 * after the address (`0.0.0.0%enp1s0:67`, `[fe80::1]%enp1s0:69`) or inside the brackets
 * (`[fe80::1%enp1s0]:69`). Older ss prints IPv6 without brackets (`:::22`).
 */
export function boundAddress(text: string): Bound | string {
  const colon = text.lastIndexOf(":");
  const portText = text.slice(colon + 1);
  if (colon < 1 || !/^\d{1,5}$/.test(portText)) return `local "${clip(text)}" is not ADDRESS:PORT`;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return `port ${port} of "${clip(text)}" is not 1..65535`;
  let host = text.slice(0, colon);
  let iface: string | undefined;
  const cutInterface = (at: number) => {
    iface = host.slice(at + 1);
    host = host.slice(0, at);
  };
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close === -1) return `local "${clip(text)}" opens a bracket it does not close`;
    const after = host.slice(close + 1);
    if (after !== "" && !after.startsWith("%")) return `local "${clip(text)}" has text after its bracket`;
    iface = after === "" ? undefined : after.slice(1);
    host = host.slice(1, close);
    const percent = host.indexOf("%");
    if (percent !== -1) {
      if (iface !== undefined) return `local "${clip(text)}" names two interfaces`;
      cutInterface(percent);
    }
  } else {
    const percent = host.indexOf("%");
    if (percent !== -1) cutInterface(percent);
  }
  if (iface !== undefined && !/^[A-Za-z0-9_.@:-]{1,15}$/.test(iface)) {
    return `interface "${clip(iface ?? "")}" of "${clip(text)}" is not an interface name`;
  }
  const withInterface = (bound: Bound): Bound =>
    iface === undefined ? bound : { ...bound, interface: iface };
  if (host === "*")
    return withInterface({ address: "::", family: 6, port, scope: "wildcard", dualStack: true });
  const address = textAddress(host);
  if (!address) return `address "${clip(host)}" of "${clip(text)}" is neither IPv4 nor IPv6`;
  const v6Wildcard = address.family === 6 && address.address === "::";
  return withInterface(v6Wildcard ? { ...address, port, dualStack: false } : { ...address, port });
}

const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

const tooManyNodes = (line: number): ListenerParseRefusal => ({
  ok: false,
  code: "TOO_MANY_NODES",
  line,
  message: `the ss text names more than ${MAX_NODES} nodes (line ${line})`,
});

/**
 * The TCP and UDP files of one capture as one NodeListeners per node (commatrix writes raw-ss-tcp and
 * raw-ss-udp separately); attribution is "process" when either side saw a process.
 */
export function mergeNodeListeners(
  ...parts: readonly NodeListeners[][]
): { ok: true; value: NodeListeners[] } | ListenerParseRefusal {
  const byNode = new Map<string, { set: ListenerSet; node: NodeListeners }>();
  for (const part of parts) {
    for (const node of part) {
      let held = byNode.get(node.node);
      if (!held) {
        held = { set: new ListenerSet(), node: { ...node, listeners: [] } };
        byNode.set(node.node, held);
      } else if (node.attribution !== "none" && held.node.attribution === "none") {
        held.node.attribution = node.attribution;
      }
      held.node.localPortRange ??= node.localPortRange;
      for (const listener of node.listeners) {
        if (!held.set.add(listener)) return tooManyListeners(0, `node ${node.node} (its parts together)`);
      }
    }
  }
  return {
    ok: true,
    value: [...byNode.values()].map(({ set, node }) => ({ ...node, listeners: set.values() })),
  };
}
