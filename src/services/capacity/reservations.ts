/** Reservations in force now that cover a cluster: what free-range search skips and checkFit warns about. */
import { gt, isNull, or } from "drizzle-orm";
import { reservations } from "../../db/schema/index.js";
import { type ClusterIdentity, scopeCovers } from "../../domain/reservation-scope.js";
import type { ServiceContext } from "../context.js";

export async function reservationsInForce(ctx: ServiceContext, selected: readonly ClusterIdentity[]) {
  const active = await ctx.db
    .select()
    .from(reservations)
    .where(or(isNull(reservations.expiresAt), gt(reservations.expiresAt, ctx.now())))
    .orderBy(reservations.protocol, reservations.portFrom);
  const covers = (r: (typeof active)[number], cluster: ClusterIdentity) =>
    scopeCovers({ clusterNames: r.clusterNames, labelSelector: r.labelSelector }, cluster);
  const rows = active.filter((r) => selected.some((c) => covers(r, c)));
  return { all: rows, covering: (cluster: ClusterIdentity) => rows.filter((r) => covers(r, cluster)) };
}
