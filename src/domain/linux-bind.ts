/**
 * Whether a bind(2) on a node would fail with EADDRINUSE because of a socket already listening there,
 * by the Linux kernel's rules (inet_csk_bind_conflict, with inet_rcv_saddr_equal and
 * ipv6_rcv_saddr_equal deciding address overlap). Not the kube-scheduler's rule: ports.ts compares
 * hostIPs as strings for declared host ports; this compares real sockets, where 0.0.0.0 collides with
 * 127.0.0.1 and a dual-stack `::` collides with every IPv4 address.
 *
 * Each socket covers a region of the IPv4 and of the IPv6 address space; two binds of one protocol
 * and port conflict when their regions overlap in either space:
 * - IPv4 0.0.0.0: all of IPv4; IPv4 a.b.c.d: that address (loopback included);
 * - IPv6 `::`: all of IPv6, and all of IPv4 unless IPV6_V6ONLY; unknown is taken as dual-stack
 *   (Linux's default net.ipv6.bindv6only=0) and the answer says so;
 * - IPv6 bound to a v4-mapped address: that IPv4 address (the contract writes it in IPv4 form);
 * - IPv6 bound to any other address: that address only (the kernel makes such a socket v6-only).
 *
 * Conservative where the kernel depends on what no listener capture shows: SO_REUSEADDR and
 * SO_REUSEPORT (which can let same-user sockets share a port) are taken as absent, so an overlap is a
 * conflict. Interface-scoped binds (SO_BINDTODEVICE, `0.0.0.0%enp1s0`) are exempt from each other only
 * when both name an interface and the interfaces differ, as in the kernel; a bind without an interface
 * (what a pod's process does unless it asks) conflicts with an interface-scoped listener it overlaps.
 */
import type { ListenerProtocol, ObservedListener } from "../contract/listeners.js";

/** A socket a workload is expected to bind on a node. */
export interface PlannedBind {
  protocol: string;
  /** "" is taken as 0.0.0.0 (see plannedBindOfHostPort) */
  address: string;
  /** inferred from the address when absent */
  family?: 4 | 6;
  /** for an IPv6 wildcard; absent = unknown, taken as dual-stack */
  dualStack?: boolean;
  interface?: string;
  /** what building this bind took for granted (plannedBindOfHostPort), carried into the answer */
  assumptions?: readonly BindAssumption[];
}

/** What an answer took for granted; each is named so a reader can check it against the node. */
export type BindAssumption =
  /** a hostNetwork pod's port with hostIP "" or 0.0.0.0 was taken as a 0.0.0.0 bind */
  | "host-network-port-as-ipv4-wildcard"
  /** an IPv6 wildcard whose IPV6_V6ONLY flag is unknown was taken as dual-stack, and it mattered */
  | "unknown-ipv6-wildcard-as-dual-stack";

export interface BindCheck {
  blockers: ObservedListener[];
  assumptions: BindAssumption[];
}

type Space = "none" | "all" | { address: string };

interface Region {
  v4: Space;
  v6: Space;
}

const IPV4_WILDCARD = "0.0.0.0";
const IPV6_WILDCARD = "::";

const familyOf = (address: string): 4 | 6 => (address.includes(":") ? 6 : 4);

/** `assumeDualStack` decides an IPv6 wildcard whose flag is unknown. */
function regionOf(
  address: string,
  family: 4 | 6,
  dualStack: boolean | undefined,
  assumeDualStack: boolean,
): Region {
  const text = address.toLowerCase();
  if (familyOf(text) === 4) {
    // An IPv4 socket, or an IPv6 one bound to a v4-mapped address: both live in IPv4's space.
    return { v4: text === IPV4_WILDCARD ? "all" : { address: text }, v6: "none" };
  }
  if (family === 6 && text === IPV6_WILDCARD) {
    return { v4: (dualStack ?? assumeDualStack) ? "all" : "none", v6: "all" };
  }
  return { v4: "none", v6: { address: text } };
}

function spacesOverlap(a: Space, b: Space): boolean {
  if (a === "none" || b === "none") return false;
  if (a === "all" || b === "all") return true;
  return a.address === b.address;
}

const regionsOverlap = (a: Region, b: Region) => spacesOverlap(a.v4, b.v4) || spacesOverlap(a.v6, b.v6);

const devicesExempt = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a !== b;

function plannedRegion(planned: PlannedBind, assumeDualStack: boolean): Region {
  const address = planned.address === "" ? IPV4_WILDCARD : planned.address;
  return regionOf(address, planned.family ?? familyOf(address), planned.dualStack, assumeDualStack);
}

/**
 * The listeners that make `planned` fail on `port`. Listeners of another protocol never do (TCP and
 * UDP ports are separate); SCTP is never observed, so an SCTP bind finds no blocker here.
 */
export function linuxBindBlockers(
  planned: PlannedBind,
  port: number,
  listeners: readonly ObservedListener[],
): BindCheck {
  const protocol = (planned.protocol || "TCP").toUpperCase() as ListenerProtocol;
  const blockers: ObservedListener[] = [];
  let assumedDualStack = false;
  const assumptions: BindAssumption[] = [...(planned.assumptions ?? [])];
  for (const listener of listeners) {
    if (listener.port !== port || listener.protocol !== protocol) continue;
    if (devicesExempt(planned.interface, listener.interface)) continue;
    const held = regionOf(listener.address, listener.family, listener.dualStack, true);
    if (!regionsOverlap(held, plannedRegion(planned, true))) continue;
    blockers.push(listener);
    // Would it still conflict if every unknown IPv6 wildcard were v6-only? If not, we assumed.
    const strict = regionsOverlap(
      regionOf(listener.address, listener.family, listener.dualStack, false),
      plannedRegion(planned, false),
    );
    if (!strict) assumedDualStack = true;
  }
  if (assumedDualStack) assumptions.push("unknown-ipv6-wildcard-as-dual-stack");
  return { blockers, assumptions };
}

/**
 * What a hostNetwork pod's declared port binds, for planning: the container's process binds what its
 * program chooses, which the pod spec does not say; hostIP "" (or 0.0.0.0) is taken as a 0.0.0.0
 * bind, the usual choice and the one an OpenShift HostNetwork router makes.
 */
export function plannedBindOfHostPort(ref: { protocol: string; hostIP: string }): PlannedBind {
  const address = ref.hostIP || IPV4_WILDCARD;
  return {
    protocol: ref.protocol || "TCP",
    address,
    ...(address === IPV4_WILDCARD ? { assumptions: ["host-network-port-as-ipv4-wildcard" as const] } : {}),
  };
}
