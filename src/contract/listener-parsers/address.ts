/**
 * Addresses of node listeners: the kernel's hex form in /proc/net, the text form `ss` prints, and the
 * one canonical text the contract stores (IPv4 dotted, IPv6 compressed lower-case per RFC 5952, a
 * v4-mapped IPv6 address as its IPv4 address with family 6). Nothing here throws: a form that does not
 * parse gives undefined, so a parser can skip the line and say why.
 */
import type { ListenerScope } from "../listeners.js";

/**
 * Byte order of the host that WROTE a /proc/net file (not of the machine parsing it): x86_64 and arm64
 * print each 32-bit word little-endian, s390x big-endian.
 */
export type ByteOrder = "little" | "big";

/** An address as the contract carries it. */
export interface ListenerAddress {
  address: string;
  family: 4 | 6;
  scope: ListenerScope;
}

const HEX = /^[0-9A-Fa-f]+$/;

/** One 32-bit word of /proc/net hex as its 4 network-order bytes. */
function wordBytes(hex8: string, order: ByteOrder): number[] {
  const bytes = [0, 2, 4, 6].map((at) => Number.parseInt(hex8.slice(at, at + 2), 16));
  return order === "little" ? bytes.reverse() : bytes;
}

/**
 * The network-order bytes of a /proc/net address: 8 hex digits (IPv4, one word) or 32 (IPv6, four
 * words, each printed as a native integer, so on little-endian hosts each group of 8 is byte-reversed
 * while the groups stay in order).
 */
export function procHexBytes(hex: string, order: ByteOrder = "little"): Uint8Array | undefined {
  if ((hex.length !== 8 && hex.length !== 32) || !HEX.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let at = 0; at < hex.length; at += 8) bytes.push(...wordBytes(hex.slice(at, at + 8), order));
  return Uint8Array.from(bytes);
}

/** The contract's address of 4 (IPv4) or 16 (IPv6) network-order bytes. */
export function listenerAddressOf(bytes: Uint8Array): ListenerAddress | undefined {
  if (bytes.length === 4) return { address: ipv4Text(bytes), family: 4, scope: ipv4Scope(bytes) };
  if (bytes.length !== 16) return undefined;
  if (isV4Mapped(bytes)) {
    const v4 = bytes.subarray(12);
    return { address: ipv4Text(v4), family: 6, scope: ipv4Scope(v4) };
  }
  return { address: ipv6Text(bytes), family: 6, scope: ipv6Scope(bytes) };
}

/** A /proc/net address (`0100007F`, 32 hex digits for IPv6) in the contract's form. */
export function procHexAddress(hex: string, order: ByteOrder = "little"): ListenerAddress | undefined {
  const bytes = procHexBytes(hex, order);
  return bytes && listenerAddressOf(bytes);
}

/** A /proc/net port: 4 hex digits, already in host order on every CPU (10250 is `280A`). */
export function procHexPort(hex: string): number | undefined {
  if (hex.length !== 4 || !HEX.test(hex)) return undefined;
  return Number.parseInt(hex, 16);
}

const IPV4_TEXT = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Dotted IPv4 text (no leading zeros, which some tools read as octal) as 4 bytes. */
export function ipv4Bytes(text: string): Uint8Array | undefined {
  if (!IPV4_TEXT.test(text)) return undefined;
  return Uint8Array.from(text.split(".").map(Number));
}

/** IPv6 text in any RFC 4291 form (`::`, `fe80::1`, `::ffff:127.0.0.1`) as 16 bytes; no zone. */
export function ipv6Bytes(text: string): Uint8Array | undefined {
  if (text.length > 45) return undefined;
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    // an embedded IPv4 address ends the text and stands for the last two groups
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!v4 || lastColon < 1) return undefined;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    head = text.slice(0, lastColon + 1);
    // `::ffff:1.2.3.4` leaves `::ffff:`; `::1.2.3.4` leaves `::`, which must keep both colons
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups = part.split(":");
    if (groups.some((group) => !/^[0-9A-Fa-f]{1,4}$/.test(group))) return undefined;
    return groups.map((group) => Number.parseInt(group, 16));
  };
  const left = groupsOf(halves[0] ?? "");
  const right = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  if (!left || !right) return undefined;
  const given = left.length + right.length + tail.length;
  let groups: number[];
  if (halves.length === 2) {
    if (given > 7) return undefined;
    groups = [...left, ...new Array<number>(8 - given).fill(0), ...right, ...tail];
  } else {
    if (given !== 8) return undefined;
    groups = [...left, ...tail];
  }
  return Uint8Array.from(groups.flatMap((group) => [group >> 8, group & 0xff]));
}

/** Dotted or IPv6 text in the contract's form. */
export function textAddress(text: string): ListenerAddress | undefined {
  const bytes = text.includes(":") ? ipv6Bytes(text) : ipv4Bytes(text);
  return bytes && listenerAddressOf(bytes);
}

const ipv4Text = (bytes: Uint8Array): string => Array.from(bytes).join(".");

/** RFC 5952: lower-case, no leading zeros, the longest run of two or more zero groups (the first on a tie) as `::`. */
export function ipv6Text(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let bestAt = -1;
  let bestLength = 1;
  for (let at = 0; at < 8; ) {
    if (groups[at] !== 0) {
      at++;
      continue;
    }
    let end = at;
    while (end < 8 && groups[end] === 0) end++;
    if (end - at > bestLength) {
      bestAt = at;
      bestLength = end - at;
    }
    at = end;
  }
  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(":");
  if (bestAt === -1) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLength))}`;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function ipv4Scope(bytes: Uint8Array): ListenerScope {
  if (bytes.every((byte) => byte === 0)) return "wildcard";
  return bytes[0] === 127 ? "loopback" : "address";
}

function ipv6Scope(bytes: Uint8Array): ListenerScope {
  const zeroUpTo15 = bytes.subarray(0, 15).every((byte) => byte === 0);
  if (zeroUpTo15 && bytes[15] === 0) return "wildcard";
  return zeroUpTo15 && bytes[15] === 1 ? "loopback" : "address";
}
