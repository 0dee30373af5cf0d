import { and, gt, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** Rows valid at `asOf` ([valid_from, valid_to) covers it), or the open rows when asOf is omitted. */
export function validAt(table: { validFrom: PgColumn; validTo: PgColumn }, asOf: Date | undefined): SQL {
  if (!asOf) return isNull(table.validTo) as SQL;
  return and(lte(table.validFrom, asOf), or(isNull(table.validTo), gt(table.validTo, asOf))) as SQL;
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
