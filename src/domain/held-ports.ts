/**
 * Allocations indexed by protocol/port (and by node), so a conflict check looks at the few
 * allocations of one port instead of a cluster's ~100,000 allocations.
 */
import { type HostPortRef, hostPortsConflict } from "./ports.js";

export interface BlockedNode<T> {
  node: string;
  blockers: T[];
}

export type HeldPorts<T> = ReadonlyMap<string, ReadonlyMap<string, readonly T[]>>;

/** Without normaliseHostPort's copy of the whole fact: it runs once per allocation per push. */
export const portKey = (ref: HostPortRef) => `${ref.protocol || "TCP"}/${ref.hostPort}`;

function append<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** protocol/port → every allocation of it in the cluster */
export function indexByPort<T extends HostPortRef>(
  allocations: readonly T[],
): ReadonlyMap<string, readonly T[]> {
  const byPort = new Map<string, T[]>();
  for (const a of allocations) append(byPort, portKey(a), a);
  return byPort;
}

export function indexByNode<T extends HostPortRef & { node: string }>(
  allocations: readonly T[],
): HeldPorts<T> {
  const byNode = new Map<string, Map<string, T[]>>();
  for (const a of allocations) {
    let byPort = byNode.get(a.node);
    if (!byPort) {
      byPort = new Map();
      byNode.set(a.node, byPort);
    }
    append(byPort, portKey(a), a);
  }
  return byNode;
}

/** The allocations on `node` that conflict with any of `wanted`, each once, in the order of `wanted`. */
export function blockersOn<T extends HostPortRef>(
  held: HeldPorts<T>,
  node: string,
  wanted: readonly HostPortRef[],
): T[] {
  const byPort = held.get(node);
  if (!byPort) return [];
  const found = new Set<T>();
  for (const port of wanted) {
    for (const a of byPort.get(portKey(port)) ?? []) {
      if (!found.has(a) && hostPortsConflict(port, a)) found.add(a);
    }
  }
  return [...found];
}
