/**
 * The reservations that count at an instant (unexpired), and those covering given clusters: what
 * reservations.list shows, a new reservation must not overlap, free-range search skips and checkFit
 * and planIngressController warn about.
 */
import { asc, gt, isNull, or } from "drizzle-orm";
import { reservations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { type ClusterIdentity, type ReservationScope, scopeCovers } from "../domain/reservation-scope.js";
import type { ServiceContext } from "./context.js";

/**
 * An arbitrary constant naming the reservation write lock: whoever adds a reservation holds it while
 * it checks the reservations in force, so two overlapping ones cannot both be added.
 */
export const RESERVATION_LOCK = 7_201_001;

type ReservationRow = typeof reservations.$inferSelect;

/** How a stored reservation's scope reads: an empty selector is none. */
export const scopeOf = (row: {
  clusterNames: string[];
  labelSelector: Record<string, string> | null;
}): ReservationScope => ({
  clusterNames: row.clusterNames,
  labelSelector: row.labelSelector && Object.keys(row.labelSelector).length > 0 ? row.labelSelector : null,
});

/** Reservations in force at `at`: expired ones stop counting. */
export async function activeReservations(db: Db, at: Date): Promise<ReservationRow[]> {
  return db
    .select()
    .from(reservations)
    .where(or(isNull(reservations.expiresAt), gt(reservations.expiresAt, at)))
    .orderBy(asc(reservations.protocol), asc(reservations.portFrom));
}

/**
 * Reservations in force now that cover any of the given clusters: what free-range search skips and
 * checkFit warns about. One query for all clusters; `covering(cluster)` narrows it per cluster.
 */
export async function reservationsInForce(ctx: ServiceContext, selected: readonly ClusterIdentity[]) {
  const rows = (await activeReservations(ctx.db, ctx.now())).filter((r) =>
    selected.some((c) => scopeCovers(scopeOf(r), c)),
  );
  return {
    all: rows,
    covering: (cluster: ClusterIdentity) => rows.filter((r) => scopeCovers(scopeOf(r), cluster)),
  };
}
