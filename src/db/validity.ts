import { and, gt, isNull, lte, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** Rows valid at `asOf` ([valid_from, valid_to) covers it), or the open rows when asOf is omitted. */
export function validAt(table: { validFrom: PgColumn; validTo: PgColumn }, asOf: Date | undefined): SQL {
  if (!asOf) return isNull(table.validTo) as SQL;
  return and(lte(table.validFrom, asOf), or(isNull(table.validTo), gt(table.validTo, asOf))) as SQL;
}
