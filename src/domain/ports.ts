/**
 * Host-port conflicts exactly as the kube-scheduler's NodePorts plugin decides them
 * (HostPortInfo.CheckConflict): hostIP "" is 0.0.0.0, protocol "" is TCP, a port ≤ 0 is no host
 * port; 0.0.0.0 conflicts with every IP on the same protocol/port, a specific IP only with itself
 * and 0.0.0.0. IPs compare as strings, so "::" is an ordinary address, not a wildcard.
 */
export const WILDCARD_IP = "0.0.0.0";

export interface HostPortRef {
  protocol: string;
  hostIP: string;
  hostPort: number;
}

export function normaliseHostPort<T extends HostPortRef>(ref: T): T {
  return {
    ...ref,
    hostIP: ref.hostIP === "" ? WILDCARD_IP : ref.hostIP,
    protocol: ref.protocol === "" ? "TCP" : ref.protocol,
  };
}

export function hostPortsConflict(a: HostPortRef, b: HostPortRef): boolean {
  if (a.hostPort <= 0 || b.hostPort <= 0) return false;
  const x = normaliseHostPort(a);
  const y = normaliseHostPort(b);
  if (x.protocol !== y.protocol || x.hostPort !== y.hostPort) return false;
  return x.hostIP === y.hostIP || x.hostIP === WILDCARD_IP || y.hostIP === WILDCARD_IP;
}

/** The allocations among `held` that stop `wanted` from being placed on the same node. */
export function blockingAllocations<T extends HostPortRef>(wanted: HostPortRef, held: readonly T[]): T[] {
  return held.filter((h) => hostPortsConflict(wanted, h));
}
