/**
 * Host-port conflicts exactly as the kube-scheduler's NodePorts plugin decides them
 * (HostPortInfo.CheckConflict): hostIP "" is 0.0.0.0, protocol "" is TCP, a port ≤ 0 is no host
 * port; 0.0.0.0 conflicts with every IP on the same protocol/port, a specific IP only with itself
 * and 0.0.0.0. IPs compare as strings, so "::" is an ordinary address, not a wildcard.
 * Real sockets on a node follow the kernel's rules instead: linux-bind.ts.
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

/** Allocation-free: ingest calls this for every allocation of every push (headroom, port map). */
export function hostPortsConflict(a: HostPortRef, b: HostPortRef): boolean {
  if (a.hostPort <= 0 || b.hostPort <= 0 || a.hostPort !== b.hostPort) return false;
  if ((a.protocol || "TCP") !== (b.protocol || "TCP")) return false;
  const ipA = a.hostIP || WILDCARD_IP;
  const ipB = b.hostIP || WILDCARD_IP;
  return ipA === ipB || ipA === WILDCARD_IP || ipB === WILDCARD_IP;
}
