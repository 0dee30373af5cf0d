/**
 * /proc/net/{tcp,tcp6,udp,udp6} written from a node's listeners, as the kernel prints them
 * (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c, net/ipv4/udp.c, net/ipv6/datagram.c): each address word
 * in the producing host's byte order, ports in plain hex, one inode per socket, IPv4 lines padded to
 * 149 (tcp) or 127 (udp) characters. Real nodes' /proc is what the reader reads; tests derive it from
 * the `ss` captures in ../shared/node-listeners, which hold what nobody here wrote.
 */
import { type ByteOrder, ipv4Bytes, ipv6Bytes } from "../../src/contract/listener-parsers/address.js";
import type { ListenerProcess, ObservedListener } from "../../src/contract/listeners.js";

export interface ProcNetRendering {
  tcp: string;
  tcp6: string;
  udp: string;
  udp6: string;
  /** the inode each socket got, with the processes ss named for it (what /proc/<pid>/fd would tell) */
  processesByInode: Map<number, ListenerProcess[]>;
}

const HEADER = {
  tcp: "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  tcp6: "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  udp: "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
  udp6: "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
};
/** seq_setwidth: TMPSZ - 1 for tcp, 127 for udp; the IPv6 files are not padded */
const WIDTH = { tcp: 149, tcp6: 0, udp: 127, udp6: 0 };

type FileName = keyof typeof HEADER;

const hex = (value: number, digits: number) => value.toString(16).toUpperCase().padStart(digits, "0");

/** Network-order bytes as /proc prints them: each 32-bit word as a native integer. */
function procHex(bytes: Uint8Array, order: ByteOrder): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += 4) {
    const word = Array.from(bytes.subarray(at, at + 4));
    text += (order === "little" ? word.reverse() : word).map((byte) => hex(byte, 2)).join("");
  }
  return text;
}

/** The socket's bytes: family 6 with an IPv4 address is v4-mapped (`::ffff:a.b.c.d`). */
function socketBytes(listener: ObservedListener): Uint8Array {
  const v4 = listener.address.includes(":") ? undefined : ipv4Bytes(listener.address);
  if (listener.family === 4) {
    if (!v4) throw new Error(`not an IPv4 address: ${listener.address}`);
    return v4;
  }
  if (v4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  const v6 = ipv6Bytes(listener.address);
  if (!v6) throw new Error(`not an IPv6 address: ${listener.address}`);
  return v6;
}

function row(
  file: FileName,
  sl: number,
  local: string,
  remote: string,
  state: number,
  inode: number,
  uid: number,
): string {
  const queues = "00000000:00000000 00:00000000 00000000";
  const slText = `${String(sl).padStart(file.startsWith("udp") ? 5 : 4)}:`;
  const common = `${slText} ${local} ${remote} ${hex(state, 2)} ${queues} ${String(uid).padStart(5)} ${"0".padStart(8)} ${inode}`;
  const tail = file.startsWith("tcp") ? " 1 0000000000000000 100 0 0 10 0" : " 2 0000000000000000 0";
  return common + tail;
}

export interface RenderOptions {
  byteOrder?: ByteOrder;
  firstInode?: number;
  /** add rows that are not listeners (ESTABLISHED, TIME_WAIT's short row, a connected UDP socket) */
  noise?: boolean;
}

export function renderProcNet(
  listeners: readonly ObservedListener[],
  options: RenderOptions = {},
): ProcNetRendering {
  const order = options.byteOrder ?? "little";
  let inode = options.firstInode ?? 20_000;
  const rows: Record<FileName, string[]> = { tcp: [], tcp6: [], udp: [], udp6: [] };
  const processesByInode = new Map<number, ListenerProcess[]>();
  const zero = (family: 4 | 6) => `${"0".repeat(family === 4 ? 8 : 32)}:0000`;
  for (const listener of listeners) {
    const file: FileName = `${listener.protocol === "TCP" ? "tcp" : "udp"}${listener.family === 4 ? "" : "6"}`;
    const local = `${procHex(socketBytes(listener), order)}:${hex(listener.port, 4)}`;
    const state = listener.protocol === "TCP" ? 0x0a : 0x07;
    inode++;
    if (listener.processes.length > 0)
      processesByInode.set(
        inode,
        listener.processes.map((p) => ({ ...p })),
      );
    rows[file].push(row(file, rows[file].length, local, zero(listener.family), state, inode, 0));
  }
  if (options.noise) {
    const peer4 = `${procHex(Uint8Array.from([10, 0, 0, 9]), order)}:DDCB`;
    const peer6 = `${procHex(Uint8Array.from([0xfd, 0, ...new Array(13).fill(0), 9]), order)}:DDCB`;
    const self4 = `${procHex(Uint8Array.from([10, 0, 0, 28]), order)}:0016`;
    const self6 = `${procHex(Uint8Array.from([0xfd, 0, ...new Array(13).fill(0), 28]), order)}:0016`;
    rows.tcp.push(row("tcp", rows.tcp.length, self4, peer4, 0x01, ++inode, 0));
    rows.tcp.push(
      `${String(rows.tcp.length).padStart(4)}: ${self4} ${peer4} 06 00000000:00000000 03:000007C5 00000000     0        0 0 3 0000000000000000`,
    );
    rows.tcp6.push(row("tcp6", rows.tcp6.length, self6, peer6, 0x01, ++inode, 0));
    rows.udp.push(row("udp", rows.udp.length, self4, peer4, 0x01, ++inode, 0));
    rows.udp6.push(row("udp6", rows.udp6.length, self6, peer6, 0x01, ++inode, 0));
  }
  const text = (file: FileName) =>
    [HEADER[file], ...rows[file]].map((line) => `${line.padEnd(WIDTH[file])}\n`).join("");
  return { tcp: text("tcp"), tcp6: text("tcp6"), udp: text("udp"), udp6: text("udp6"), processesByInode };
}
