/**
 * Which clusters a reservation covers: named clusters, clusters matching a label selector (either
 * counts), or — with neither — the whole fleet, including clusters registered later.
 */
export interface ReservationScope {
  clusterNames: readonly string[];
  labelSelector: Readonly<Record<string, string>> | null;
}

export interface ClusterIdentity {
  name: string;
  labels: Readonly<Record<string, string>>;
}

const isFleetWide = (s: ReservationScope) => s.clusterNames.length === 0 && !s.labelSelector;

export function selectorMatches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export function scopeCovers(scope: ReservationScope, cluster: ClusterIdentity): boolean {
  if (isFleetWide(scope)) return true;
  if (scope.clusterNames.includes(cluster.name)) return true;
  return scope.labelSelector !== null && selectorMatches(scope.labelSelector, cluster.labels);
}

/** Two selectors can both match some cluster unless they demand different values for one key. */
function selectorsCompatible(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(a).every(([key, value]) => b[key] === undefined || b[key] === value);
}

/**
 * Scopes overlap when a cluster of today's fleet is covered by both, or when a cluster registered
 * tomorrow could be (both fleet-wide or selector-based with compatible selectors).
 */
export function scopesOverlap(
  a: ReservationScope,
  b: ReservationScope,
  fleet: readonly ClusterIdentity[],
): boolean {
  if (fleet.some((cluster) => scopeCovers(a, cluster) && scopeCovers(b, cluster))) return true;
  const open = (s: ReservationScope) => isFleetWide(s) || s.labelSelector !== null;
  if (!open(a) || !open(b)) return false;
  if (isFleetWide(a) || isFleetWide(b)) return true;
  return selectorsCompatible(a.labelSelector ?? {}, b.labelSelector ?? {});
}

export const rangesOverlap = (
  a: { portFrom: number; portTo: number },
  b: { portFrom: number; portTo: number },
) => a.portFrom <= b.portTo && b.portFrom <= a.portTo;
