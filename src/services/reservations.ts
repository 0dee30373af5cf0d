import { asc, eq, sql } from "drizzle-orm";
import * as z from "zod";
import { clusterNameSchema, storableText } from "../contract/snapshot.js";
import { reservations } from "../db/schema/index.js";
import {
  type ReservationScope,
  rangesOverlap,
  scopeCovers,
  scopesOverlap,
} from "../domain/reservation-scope.js";
import { findCluster, selectClusters } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";
import { notFound, ServiceError } from "./errors.js";
import {
  clusterListSchema,
  hostPortSchema,
  instantSchema,
  labelsSchema,
  MAX_INT4,
  queryProtocolSchema,
} from "./inputs.js";
import { activeReservations, RESERVATION_LOCK, scopeOf } from "./reservations-in-force.js";

export const reservationInput = z.object({
  protocol: queryProtocolSchema.default("TCP"),
  portFrom: hostPortSchema,
  portTo: hostPortSchema,
  clusters: clusterListSchema.optional(),
  labelSelector: labelsSchema.optional(),
  owner: storableText(200).min(1),
  purpose: storableText(1000).min(1),
  expiresAt: instantSchema.optional(),
});
export type ReservationInput = z.output<typeof reservationInput>;

export const listReservationsInput = z
  .object({ cluster: clusterNameSchema.optional(), includeExpired: z.boolean().optional() })
  .default({});

export const reservationByIdInput = z.object({ id: z.number().int().positive().max(MAX_INT4) });

type ReservationRow = typeof reservations.$inferSelect;

function present(row: ReservationRow) {
  return {
    id: row.id,
    protocol: row.protocol,
    portFrom: row.portFrom,
    portTo: row.portTo,
    clusters: row.clusterNames,
    labelSelector: row.labelSelector,
    owner: row.owner,
    purpose: row.purpose,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

export type Reservation = ReturnType<typeof present>;

export async function createReservation(ctx: ServiceContext, input: ReservationInput): Promise<Reservation> {
  if (input.portFrom > input.portTo) {
    throw new ServiceError(
      "BAD_REQUEST",
      "INVALID_RANGE",
      `portFrom ${input.portFrom} is above portTo ${input.portTo}`,
    );
  }
  const now = ctx.now();
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw new ServiceError("BAD_REQUEST", "INVALID_EXPIRY", "expiresAt is in the past");
  }
  const scope: ReservationScope = {
    clusterNames: input.clusters ?? [],
    labelSelector: input.labelSelector ?? null,
  };
  return ctx.db.transaction(async (tx) => {
    // Serialise reservation writes so two overlapping requests cannot both pass the check.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${RESERVATION_LOCK})`);
    const fleet = await selectClusters(tx, {});
    const unknown = scope.clusterNames.filter((name) => !fleet.some((c) => c.name === name));
    if (unknown.length > 0) throw notFound(`cluster ${unknown.map((n) => `"${n}"`).join(", ")}`);
    const clash = (await activeReservations(tx, now)).find(
      (r) =>
        r.protocol === input.protocol && rangesOverlap(r, input) && scopesOverlap(scopeOf(r), scope, fleet),
    );
    if (clash) {
      throw new ServiceError(
        "CONFLICT",
        "RESERVATION_OVERLAP",
        `${input.protocol} ${input.portFrom}–${input.portTo} overlaps reservation #${clash.id} (${clash.portFrom}–${clash.portTo}, ${clash.owner}: ${clash.purpose})`,
      );
    }
    const [row] = await tx
      .insert(reservations)
      .values({
        protocol: input.protocol,
        portFrom: input.portFrom,
        portTo: input.portTo,
        clusterNames: scope.clusterNames as string[],
        labelSelector: input.labelSelector ?? null,
        owner: input.owner,
        purpose: input.purpose,
        expiresAt: input.expiresAt ?? null,
      })
      .returning();
    if (!row) throw new Error("reservation insert returned no row");
    return present(row);
  });
}

export async function listReservations(ctx: ServiceContext, input: z.output<typeof listReservationsInput>) {
  const cluster = input.cluster ? await findCluster(ctx.db, input.cluster) : undefined;
  const rows = input.includeExpired
    ? await ctx.db.select().from(reservations).orderBy(asc(reservations.protocol), asc(reservations.portFrom))
    : await activeReservations(ctx.db, ctx.now());
  return (cluster ? rows.filter((r) => scopeCovers(scopeOf(r), cluster)) : rows).map(present);
}

export async function deleteReservation(ctx: ServiceContext, id: number): Promise<{ id: number }> {
  const deleted = await ctx.db
    .delete(reservations)
    .where(eq(reservations.id, id))
    .returning({ id: reservations.id });
  if (deleted.length === 0) throw notFound(`reservation #${id}`);
  return { id };
}
