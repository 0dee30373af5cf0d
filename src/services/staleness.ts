/** How a cluster's agent is doing by the clocks: silent too long, and how far its clock runs off ours. */
import type { ClusterRow } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";

/**
 * Silent past the threshold. A cluster that never pushed has been silent since its registration, so
 * a new agent gets the full threshold before its cluster is reported stale.
 */
export function isStale(ctx: ServiceContext, cluster: Pick<ClusterRow, "createdAt" | "lastSeenAt">): boolean {
  const silentSince = cluster.lastSeenAt ?? cluster.createdAt;
  return ctx.now().getTime() - silentSince.getTime() > ctx.config.staleAfterSeconds * 1000;
}

/** Agent clock minus server clock at receipt, in seconds: positive when the agent runs fast. */
export function clockSkewSeconds(observedAt: Date | null, receivedAt: Date | null): number | null {
  if (!observedAt || !receivedAt) return null;
  return (observedAt.getTime() - receivedAt.getTime()) / 1000;
}
