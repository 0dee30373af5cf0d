import { and, gt, isNotNull, isNull, lte, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** Rows valid at `asOf` ([valid_from, valid_to) covers it), or the open rows when asOf is omitted. */
export function validAt(table: { validFrom: PgColumn; validTo: PgColumn }, asOf: Date | undefined): SQL {
  return asOf ? validDuring(table, asOf, asOf) : (isNull(table.validTo) as SQL);
}

/**
 * Open rows that began by `asOf` (all open rows when omitted): the part of validAt an index over the
 * open rows answers, beside closedValidAt for the closed part.
 */
export function openAt(table: { validFrom: PgColumn; validTo: PgColumn }, asOf: Date | undefined): SQL {
  const open = isNull(table.validTo) as SQL;
  return asOf ? (and(open, lte(table.validFrom, asOf)) as SQL) : open;
}

/**
 * Closed rows valid at some instant of [from, to]: with openAt(table, to), validDuring split in two
 * branches, each following an index (the partial ones over closed rows need the IS NOT NULL).
 */
export function closedDuring(table: { validFrom: PgColumn; validTo: PgColumn }, from: Date, to: Date): SQL {
  return and(isNotNull(table.validTo), gt(table.validTo, from), lte(table.validFrom, to)) as SQL;
}

/** Rows valid at some instant of [from, to]. */
export function validDuring(table: { validFrom: PgColumn; validTo: PgColumn }, from: Date, to: Date): SQL {
  return and(lte(table.validFrom, to), or(isNull(table.validTo), gt(table.validTo, from))) as SQL;
}
