/**
 * The lowest contiguous port ranges free everywhere: not used on any node of the selected clusters,
 * not reserved, and outside the excluded ranges of the clusters' port profiles (port-profiles.ts).
 *
 * Decision: one candidate per maximal free gap. Each result is exactly `width` ports starting at the
 * gap's lowest port, and `freeUntil` says where the gap ends — "8081–8083, free up to 8442" — so the
 * `limit` answers spread over distinct gaps instead of listing 1–3, 2–4, 3–5… of the first one.
 */

import type { ExcludedRange } from "./port-profiles.js";

const MAX_PORT = 65535;

export interface ReservedRange {
  protocol: string;
  portFrom: number;
  portTo: number;
}

export interface FreeRangeQuery {
  width: number;
  /** omitted: a port must be free on every protocol */
  protocol?: string;
  /**
   * ports in use per protocol, on any host IP of any node of the selected clusters: a new
   * hostNetwork listener (an IngressController) binds 0.0.0.0, so any use of the port is in the way
   */
  used: Readonly<Record<string, Iterable<number>>>;
  /** already narrowed to the selected clusters and unexpired */
  reservations?: readonly ReservedRange[];
  /**
   * ranges never offered (protocol null: on every protocol), e.g. the profiles' excludedRanges.
   * Required so that no caller forgets them: an empty list is a deliberate choice.
   */
  excluded: readonly Pick<ExcludedRange, "protocol" | "from" | "to">[];
  /** default 1 */
  min?: number;
  /** default 65535 */
  max?: number;
  /** default 10 */
  limit?: number;
}

export interface FreeRange {
  from: number;
  to: number;
  width: number;
  /** the last port of the free gap this range starts */
  freeUntil: number;
}

export function freeRanges(query: FreeRangeQuery): FreeRange[] {
  const { width, protocol } = query;
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`width must be a positive integer, got ${width}`);
  const low = Math.max(1, query.min ?? 1);
  const high = Math.min(MAX_PORT, query.max ?? MAX_PORT);
  const limit = query.limit ?? 10;

  const taken = new Uint8Array(MAX_PORT + 1);
  const take = (port: number) => {
    if (Number.isInteger(port) && port >= 1 && port <= MAX_PORT) taken[port] = 1;
  };
  const takeRange = (from: number, to: number) => {
    for (let p = Math.max(1, from); p <= Math.min(MAX_PORT, to); p++) taken[p] = 1;
  };
  for (const [p, ports] of Object.entries(query.used)) {
    if (protocol === undefined || p === protocol) for (const port of ports) take(port);
  }
  for (const r of query.reservations ?? []) {
    if (protocol === undefined || r.protocol === protocol) takeRange(r.portFrom, r.portTo);
  }
  for (const r of query.excluded) {
    if (r.protocol === null || protocol === undefined || r.protocol === protocol) takeRange(r.from, r.to);
  }

  const found: FreeRange[] = [];
  let port = low;
  while (port <= high && found.length < limit) {
    if (taken[port]) {
      port++;
      continue;
    }
    const from = port;
    while (port + 1 <= high && !taken[port + 1]) port++;
    if (port - from + 1 >= width) found.push({ from, to: from + width - 1, width, freeUntil: port });
    port++;
  }
  return found;
}

/** An excluded range and the selected clusters whose profile excludes it. */
export interface FleetExclusion extends ExcludedRange {
  clusters: string[];
}

/**
 * The union of the selected clusters' excluded ranges, each listed once with the clusters it comes
 * from (clusters with another NodePort range give another line), ordered by first port.
 */
export function fleetExclusions(
  perCluster: readonly { cluster: string; ranges: readonly ExcludedRange[] }[],
): FleetExclusion[] {
  const byKey = new Map<string, FleetExclusion>();
  for (const { cluster, ranges } of perCluster) {
    for (const r of ranges) {
      const key = JSON.stringify([r.protocol, r.from, r.to, r.reason, r.source]);
      const known = byKey.get(key);
      if (known) known.clusters.push(cluster);
      else byKey.set(key, { ...r, clusters: [cluster] });
    }
  }
  return [...byKey.values()].sort(
    (a, b) => a.from - b.from || a.to - b.to || (a.protocol ?? "").localeCompare(b.protocol ?? ""),
  );
}
