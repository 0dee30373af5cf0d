/**
 * ports.who's pages, each following the index it reads so that a page costs about what it holds,
 * whatever the depth of the history:
 * - now: open rows by id (port_allocations_open_port_idx);
 * - as of T: first the closed rows valid at T by when they ended (port_allocations_port_to_idx: rows
 *   ending just after T nearly all began before it, so a page reads about a page of index entries),
 *   then the rows still open that began by T, by when they began (port_allocations_open_port_from_idx).
 * The cursor names the last row's place in that order. Here too: which rows a who question selects.
 */
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import * as z from "zod";
import type { protocols } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { portAllocations } from "../db/schema/index.js";
import { selectedClusterIds } from "./cluster-selection.js";
import type { ServiceContext } from "./context.js";

/** "<id>" for now; "c<µs>:<id>" (closed, by end) or "o<µs>:<id>" (open, by start) as of T. */
export const whoCursorSchema = z
  .string()
  .regex(/^(\d{1,15}|[co]\d{1,17}:\d{1,15})$/, "cursor is the nextCursor of the previous page");

type Position =
  | { part: "id"; id: number }
  | { part: "c" | "o"; micros: string; id: number }
  | { part: "start" };

function positionOf(cursor: string | undefined): Position {
  if (cursor === undefined) return { part: "start" };
  const keyed = /^([co])(\d+):(\d+)$/.exec(cursor);
  if (!keyed) return { part: "id", id: Number(cursor) };
  return { part: keyed[1] as "c" | "o", micros: keyed[2] as string, id: Number(keyed[3]) };
}

export interface PageRow {
  id: number;
  cursor: string;
}

const t = portAllocations;
const micros = (column: PgColumn) => sql`(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
const instant = (value: string) => sql`('epoch'::timestamptz + ${value}::bigint * interval '1 microsecond')`;

/** Rows after (key, id) in (key, id) order, written so the key's index bounds the scan. */
function after(key: PgColumn, position: { micros: string; id: number }): SQL {
  const at = instant(position.micros);
  return sql`${key} >= ${at} AND (${key} > ${at} OR ${t.id} > ${position.id})`;
}

/**
 * The next `take` rows of the page order among the rows `where` selects (port, protocol, clusters),
 * with each row's cursor.
 */
export async function whoPage(
  ctx: ServiceContext,
  where: SQL,
  asOf: Date | undefined,
  cursor: string | undefined,
  take: number,
): Promise<PageRow[]> {
  const position = positionOf(cursor);
  if (!asOf) {
    const from = position.part === "id" ? sql`AND ${t.id} > ${position.id}` : sql``;
    return rawRows<PageRow>(
      ctx.db,
      sql`SELECT ${t.id}::float8 AS id, ${t.id}::text AS cursor FROM ${t}
          WHERE ${where} AND ${t.validTo} IS NULL ${from} ORDER BY ${t.id} LIMIT ${take}`,
    );
  }
  const at = asOf.toISOString();
  const closed =
    position.part === "o"
      ? []
      : await rawRows<PageRow>(
          ctx.db,
          sql`SELECT ${t.id}::float8 AS id, 'c' || ${micros(t.validTo)} || ':' || ${t.id} AS cursor FROM ${t}
              WHERE ${where} AND ${t.validTo} > ${at}::timestamptz AND ${t.validFrom} <= ${at}::timestamptz
                ${position.part === "c" ? sql`AND ${after(t.validTo, position)}` : sql``}
              ORDER BY ${t.validTo}, ${t.id} LIMIT ${take}`,
        );
  if (closed.length >= take) return closed;
  const open = await rawRows<PageRow>(
    ctx.db,
    sql`SELECT ${t.id}::float8 AS id, 'o' || ${micros(t.validFrom)} || ':' || ${t.id} AS cursor FROM ${t}
        WHERE ${where} AND ${t.validTo} IS NULL AND ${t.validFrom} <= ${at}::timestamptz
          ${position.part === "o" ? sql`AND ${after(t.validFrom, position)}` : sql``}
        ORDER BY ${t.validFrom}, ${t.id} LIMIT ${take - closed.length}`,
  );
  return [...closed, ...open];
}

/** What a who question asks, whichever page: a port, maybe a protocol and clusters, an instant. */
export interface WhoQuestion {
  hostPort: number;
  protocol?: (typeof protocols)[number] | undefined;
  clusters?: string[] | undefined;
  asOf?: Date | undefined;
}

/** The clusters a who question covers, as a subquery (the fleet stays in SQL whatever its size). */
export function inSelection(ctx: ServiceContext, input: WhoQuestion, column: PgColumn): SQL {
  return inArray(column, selectedClusterIds(ctx.db, { clusters: input.clusters, asOf: input.asOf }));
}

/** The rows one who question selects, at any instant: port, protocol, clusters. */
export function whoWhere(ctx: ServiceContext, input: WhoQuestion): SQL {
  const conditions: SQL[] = [
    eq(portAllocations.hostPort, input.hostPort),
    inSelection(ctx, input, portAllocations.clusterId),
  ];
  if (input.protocol) conditions.push(eq(portAllocations.protocol, input.protocol));
  return and(...conditions) as SQL;
}
