import { and, gt, isNotNull, isNull, lte, or, type SQL, sql } from "drizzle-orm";
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

/**
 * Seconds since 2000-01-01 as float8: exact to the microsecond for any storable instant. Written as
 * interval arithmetic because extract(epoch FROM timestamptz) is only STABLE and cannot be indexed.
 */
function epochSeconds(instant: PgColumn | SQL): SQL {
  return sql`extract(epoch FROM (${instant} - '2000-01-01 00:00:00+00'::timestamptz))::float8`;
}

/**
 * A closed row as a box: x is the host port, y spans [valid_from, valid_to]. A GiST index over it
 * (port_allocations_closed_span_idx) finds the closed rows of a port valid at an instant by
 * overlap, at a cost that follows how many rows answer, not how much history lies before or after.
 * The expression must stay identical here and in the index for the planner to use it.
 */
export function closedSpan(table: { hostPort: PgColumn; validFrom: PgColumn; validTo: PgColumn }): SQL {
  return sql`box(point(${table.hostPort}, ${epochSeconds(table.validFrom)}), point(${table.hostPort}, ${epochSeconds(table.validTo)}))`;
}

/**
 * Closed rows of `hostPort` valid at `asOf`: the box test is the index condition (it is closed at
 * both ends), the interval test keeps valid_to exclusive.
 */
export function closedValidAt(
  table: { hostPort: PgColumn; validFrom: PgColumn; validTo: PgColumn },
  hostPort: number,
  asOf: Date,
): SQL {
  const instant = epochSeconds(sql`${asOf.toISOString()}::timestamptz`);
  return sql`${closedSpan(table)} && box(point(${hostPort}::float8, ${instant}), point(${hostPort}::float8, ${instant}))
    AND ${table.validFrom} <= ${asOf.toISOString()}::timestamptz AND ${table.validTo} > ${asOf.toISOString()}::timestamptz`;
}
