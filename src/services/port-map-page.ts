/**
 * A cluster's port map a page of rows at a time. The rows' keys (port, protocol, host IP) are paged in
 * SQL, in the order compareRowKeys sorts them (COLLATE "C"), over the allocations and the
 * IngressControllers' declared ports valid at the instant; only the allocations of the page's ports
 * are then read and built into rows. What an answer builds and sends follows the page, not the
 * cluster (a cluster may hold 100,000 host ports and more).
 */
import { type SQL, sql } from "drizzle-orm";
import * as z from "zod";
import { protocols } from "../contract/snapshot.js";
import { rawRows } from "../db/raw.js";
import { declaredPortVersions, nodeListenerVersions, portAllocations } from "../db/schema/index.js";
import type { Db } from "../db/types.js";
import { validAt } from "../db/validity.js";
import { compareRowKeys, OBSERVED_ONLY_HOST_IP, type PortRowKey } from "../domain/port-map.js";

/** Rows one page of a port map holds by default, and at most. */
export const DEFAULT_PORT_MAP_ROWS = 500;
export const MAX_PORT_MAP_ROWS = 1000;

export const portMapLimitSchema = z
  .number()
  .int()
  .min(1)
  .max(MAX_PORT_MAP_ROWS)
  .default(DEFAULT_PORT_MAP_ROWS);

/** A row's key as a cursor: "<port>/<protocol>/<host IP>" (an IP holds no "/"). */
export const encodeRowCursor = (row: PortRowKey) => `${row.hostPort}/${row.protocol}/${row.hostIP}`;

const ROW_CURSOR = new RegExp(`^(\\d{1,5})/(${protocols.join("|")})/([0-9A-Fa-f:.]{0,45})$`);

/** A row cursor in, its key out: the nextCursor (or prevCursor) of an answer. */
export const rowCursorSchema = z
  .string()
  .max(64)
  .regex(ROW_CURSOR, "cursor is the nextCursor or prevCursor of a previous page")
  .transform((text): PortRowKey => {
    const [, port, protocol, hostIP] = ROW_CURSOR.exec(text) ?? [];
    return { hostPort: Number(port), protocol: protocol ?? "", hostIP: hostIP ?? "" };
  });

export interface PortMapPageRequest {
  /** rows after this key (the previous answer's nextCursor) */
  after?: PortRowKey | undefined;
  /** rows before this key (the previous answer's prevCursor): the page that ends just before it */
  before?: PortRowKey | undefined;
  limit: number;
  /**
   * also the ports (protocol, port) only observed listeners hold, one row each with host IP
   * OBSERVED_ONLY_HOST_IP: no allocation or IngressController declares them on any host IP
   */
  observedOnly?: boolean | undefined;
}

export interface PortMapPage {
  keys: PortRowKey[];
  /** rows of the whole map at the instant */
  total: number;
  nextCursor: string | null;
  prevCursor: string | null;
}

interface KeyRow {
  hostPort: number | null;
  protocol: string | null;
  hostIP: string | null;
  total: number | null;
}

const a = portAllocations;
const d = declaredPortVersions;
const l = nodeListenerVersions;
const rowOrder = sql`host_port, protocol COLLATE "C", host_ip COLLATE "C"`;
const rowOrderDesc = sql`host_port DESC, protocol COLLATE "C" DESC, host_ip COLLATE "C" DESC`;
const keyValue = (key: PortRowKey) => sql`(${key.hostPort}::int, ${key.protocol}::text, ${key.hostIP}::text)`;

/**
 * The held keys and one key per (port, protocol) the cluster's nodes listen on at the instant where no
 * held key has that port and protocol. It reads the cluster's listeners (open ones by its open key).
 */
const observedOnlyKeys = (at: { clusterId: number; asOf?: Date | undefined }) =>
  sql`, all_keys AS (
          SELECT host_port, protocol, host_ip FROM keys
          UNION ALL
          SELECT DISTINCT ${l.port}, ${l.protocol}, ${OBSERVED_ONLY_HOST_IP}::text
          FROM ${l} WHERE ${l.clusterId} = ${at.clusterId} AND ${validAt(l, at.asOf)}
            AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.host_port = ${l.port} AND k.protocol = ${l.protocol})
        )`;

/** The page's row keys, the map's row count and the cursors to the pages around it: one round trip. */
export async function portMapPage(
  db: Db,
  at: { clusterId: number; asOf?: Date | undefined },
  request: PortMapPageRequest,
): Promise<PortMapPage> {
  const backward = request.before !== undefined;
  const bound = request.before ?? request.after;
  const where: SQL = bound
    ? sql`WHERE (${rowOrder}) ${backward ? sql`<` : sql`>`} ${keyValue(bound)}`
    : sql``;
  const rows = await rawRows<KeyRow>(
    db,
    sql`WITH keys AS MATERIALIZED (
          SELECT ${a.hostPort} AS host_port, ${a.protocol} AS protocol, ${a.hostIp} AS host_ip
          FROM ${a} WHERE ${a.clusterId} = ${at.clusterId} AND ${validAt(a, at.asOf)}
          UNION
          SELECT ${d.hostPort}, ${d.protocol}, ${d.hostIp}
          FROM ${d} WHERE ${d.clusterId} = ${at.clusterId} AND ${validAt(d, at.asOf)}
        )${request.observedOnly ? observedOnlyKeys(at) : sql``}
        (SELECT host_port AS "hostPort", protocol AS "protocol", host_ip AS "hostIP", NULL::int AS "total"
         FROM ${request.observedOnly ? sql`all_keys` : sql`keys`} ${where} ORDER BY ${backward ? rowOrderDesc : rowOrder} LIMIT ${request.limit + 1})
        UNION ALL
        SELECT NULL, NULL, NULL, count(*)::int FROM ${request.observedOnly ? sql`all_keys` : sql`keys`}`,
  );
  const total = rows.find((r) => r.total !== null)?.total ?? 0;
  const read = rows
    .filter((r) => r.total === null)
    .map((r) => ({ hostPort: Number(r.hostPort), protocol: r.protocol ?? "", hostIP: r.hostIP ?? "" }));
  // UNION ALL promises no order across its branches, so the page is sorted again the way SQL read it.
  read.sort(backward ? (x, y) => compareRowKeys(y, x) : compareRowKeys);
  const more = read.length > request.limit;
  const keys = read.slice(0, request.limit);
  if (backward) keys.reverse();
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (backward) {
    return {
      keys,
      total,
      prevCursor: more && first ? encodeRowCursor(first) : null,
      nextCursor: last ? encodeRowCursor(last) : null,
    };
  }
  return {
    keys,
    total,
    nextCursor: more && last ? encodeRowCursor(last) : null,
    prevCursor: request.after ? encodeRowCursor(first ?? request.after) : null,
  };
}
