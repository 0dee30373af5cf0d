/**
 * How a cluster's agent is doing by the clocks: silent too long, and how far its clock runs off ours.
 * Stale targets of plans, fits and manifest gates are marked with how old their data is and left out
 * of the verdict unless the caller asks to include stale clusters (a silent agent's data may no longer
 * describe the cluster, so a verdict on it would pass or fail on guesses).
 */
import { type SQL, sql } from "drizzle-orm";
import { clusters } from "../db/schema/index.js";
import type { ClusterRow } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";

/**
 * Silent past the threshold. A cluster that never pushed has been silent since its registration, so
 * a new agent gets the full threshold before its cluster is reported stale.
 */
export function isStale(ctx: ServiceContext, cluster: Pick<ClusterRow, "createdAt" | "lastSeenAt">): boolean {
  return isStaleAt(ctx, cluster, ctx.now());
}

/**
 * Stale as judged at an instant (an as-of view): silent past the threshold then, by its last push
 * received at or before it. A cluster registered after the instant was not there to be silent.
 */
export function isStaleAt(
  ctx: ServiceContext,
  cluster: Pick<ClusterRow, "createdAt" | "lastSeenAt">,
  at: Date,
): boolean {
  if (cluster.lastSeenAt === null && cluster.createdAt > at) return false;
  const silentSince = cluster.lastSeenAt ?? cluster.createdAt;
  return at.getTime() - silentSince.getTime() > ctx.config.staleAfterSeconds * 1000;
}

/** Agent clock minus server clock at receipt, in seconds: positive when the agent runs fast. */
export function clockSkewSeconds(observedAt: Date | null, receivedAt: Date | null): number | null {
  if (!observedAt || !receivedAt) return null;
  return (observedAt.getTime() - receivedAt.getTime()) / 1000;
}

type Silence = Pick<ClusterRow, "name" | "createdAt" | "lastSeenAt">;

/**
 * How old a cluster's data is: seconds since its last push was received (since registration if none).
 * `judgeable`: whether a verdict may count it — never for a cluster that has not pushed yet (there is
 * nothing to judge: its zero nodes would read as "does not fit"), for a stale one only when asked.
 */
export function dataAge(ctx: ServiceContext, cluster: Silence, includeStale?: boolean) {
  const since = cluster.lastSeenAt ?? cluster.createdAt;
  const stale = isStale(ctx, cluster);
  const noPushYet = cluster.lastSeenAt === null;
  return {
    stale,
    noPushYet,
    judgeable: !noPushYet && (!stale || includeStale === true),
    lastSeenAt: cluster.lastSeenAt?.toISOString() ?? null,
    silentForSeconds: Math.max(0, Math.floor((ctx.now().getTime() - since.getTime()) / 1000)),
  };
}

/**
 * A target left out of a verdict or judged though stale, as answers list it: which, how old its data
 * is, and whether the verdict counted it. A cluster that has not pushed yet is listed too (`noPushYet`),
 * stale or not, and never counted.
 */
export interface StaleTarget {
  cluster: string;
  lastSeenAt: string | null;
  silentForSeconds: number;
  noPushYet: boolean;
  inVerdict: boolean;
}

/** The targets a verdict is made on (stale ones only with includeStale), and every stale target. */
export function judgedTargets<C extends Silence>(
  ctx: ServiceContext,
  selected: readonly C[],
  includeStale: boolean | undefined,
): { judged: C[]; stale: StaleTarget[] } {
  const judged: C[] = [];
  const stale: StaleTarget[] = [];
  for (const cluster of selected) {
    const age = dataAge(ctx, cluster, includeStale);
    if (age.stale || age.noPushYet)
      stale.push({
        cluster: cluster.name,
        lastSeenAt: age.lastSeenAt,
        silentForSeconds: age.silentForSeconds,
        noPushYet: age.noPushYet,
        inVerdict: age.judgeable,
      });
    if (age.judgeable) judged.push(cluster);
  }
  return { judged, stale };
}

/** What a verdict says when every target was stale and left out: no verdict, not a pass. */
export const ALL_STALE =
  "every target cluster is stale (silent past the threshold) or has not pushed yet; includeStale to judge the stale ones";

/** isStale's rule in SQL, on `clusters`: heard from (or registered) within the threshold. */
export function freshWhere(ctx: ServiceContext): SQL {
  const since = new Date(ctx.now().getTime() - ctx.config.staleAfterSeconds * 1000);
  return sql`coalesce(${clusters.lastSeenAt}, ${clusters.createdAt}) >= ${since.toISOString()}`;
}
