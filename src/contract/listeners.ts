/**
 * What a node really listens on: sockets in LISTEN (TCP) or bound and unconnected (UDP) in the host's
 * network namespace, as the node reader sees them in /proc/net or an admin's `ss` capture shows them.
 * They complement the ports pods declare: a `hostPort` of an ordinary pod is a CNI mapping, never a
 * socket, and a host daemon or a hostNetwork pod binds sockets no pod declares.
 */

export type ListenerProtocol = "TCP" | "UDP";

/**
 * How far a listener reaches on its node:
 * - `wildcard`: every address of its family (0.0.0.0, or :: with `dualStack` saying whether IPv4 too);
 * - `loopback`: 127.0.0.0/8 or ::1 (still blocks a wildcard bind of the same port on Linux);
 * - `address`: one specific address of the node (a node IP, a pod-network IP, a link-local one).
 */
export type ListenerScope = "wildcard" | "loopback" | "address";

/** A process holding the socket (several may share one: a forked daemon, systemd socket activation). */
export interface ListenerProcess {
  /** the kernel's comm, at most 15 characters (so "machine-config-" for machine-config-daemon) */
  name: string;
  pid?: number;
}

/** The pod and container the socket belongs to, when the attributing tier could tell. */
export interface ListenerPod {
  namespace: string;
  name: string;
  container?: string;
}

export interface ObservedListener {
  protocol: ListenerProtocol;
  /**
   * The bound address in canonical text: IPv4 dotted ("0.0.0.0", "127.0.0.1"), IPv6 compressed and
   * lower-case ("::", "::1", "fe80::56e1:adff:fe7c:6609"); an IPv4-mapped IPv6 address is given as its
   * IPv4 address with `family: 6`.
   */
  address: string;
  /** the socket's family: a v4-mapped or dual-stack IPv6 socket is 6 */
  family: 4 | 6;
  port: number;
  scope: ListenerScope;
  /**
   * For an IPv6 wildcard: true when it also accepts IPv4 (ss prints `*:port`), false when it is
   * IPv6-only (`[::]:port`), absent when the source cannot tell (/proc/net does not show IPV6_V6ONLY).
   */
  dualStack?: boolean;
  /** SO_BINDTODEVICE or a scoped address: ss prints `0.0.0.0%enp1s0:67` */
  interface?: string;
  /** empty when no process owns it (kernel sockets such as Geneve's UDP 6081) or none was looked up */
  processes: ListenerProcess[];
  pod?: ListenerPod;
}

/**
 * What makes two sockets of one node the same listener: protocol, family, address, port and interface.
 * Parsers merge sockets on it (SO_REUSEPORT, a forked daemon) and a report holds each key once.
 */
export const listenerKey = (l: ObservedListener): string =>
  `${l.protocol}|${l.family}|${l.address}|${l.port}|${l.interface ?? ""}`;

/** What the collecting tier could see, so an answer can say "unknown" rather than guess. */
export type AttributionTier = "none" | "process" | "pod";

/** One node's listeners at one instant, as the reader (or an import) reports them. */
export interface NodeListeners {
  node: string;
  attribution: AttributionTier;
  /** /proc/sys/net/ipv4/ip_local_port_range: where outgoing connections take their source ports */
  localPortRange?: { from: number; to: number };
  listeners: ObservedListener[];
}
