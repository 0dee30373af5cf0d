/**
 * The fleet benchmark deepens history in SQL instead of through pushes; what it writes must look like
 * what time-ordered pushes would have written, or the benchmark measures a history no server produces.
 */

import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestFleet } from "../../bench/fleet/build.js";
import { deepenHistory, historyCounts, type TableCounts } from "../../bench/fleet/deepen.js";
import { historyTables, openKeyColumns, tableName } from "../../src/services/history-tables.js";
import { createTestDatabase, onRealPostgres } from "../helpers/database.js";

const now = new Date("2026-11-27T10:00:00Z");
const days = 2;
const start = new Date(now.getTime() - days * 86_400_000);

/** Natural key of each history table (its declaration): at most one version of a key is valid at any instant. */
const naturalKeys: Record<string, string[]> = Object.fromEntries(
  historyTables.map((h) => [tableName(h), openKeyColumns(h)]),
);
const tables = Object.keys(naturalKeys);

describe.skipIf(!onRealPostgres())("fleet benchmark history (PostgreSQL)", () => {
  let close: () => Promise<void>;
  let db: Sql;
  let before: TableCounts[];
  let after: TableCounts[];

  beforeAll(async () => {
    const database = await createTestDatabase();
    close = database.close;
    if (!database.url) throw new Error("a PostgreSQL test database has a URL");
    await ingestFleet(database.url, { clusters: 2, nodes: 60, days }, now, () => {});
    db = postgres(database.url, { max: 1, onnotice: () => {} });
    before = await historyCounts(db);
    await deepenHistory(db, { now, days, restartHours: 12 });
    after = await historyCounts(db);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await close?.();
  });

  it("keeps the ingested current state as the open rows and adds closed history behind it", () => {
    for (const table of tables) {
      const open = (counts: TableCounts[]) => counts.find((c) => c.table === table)?.open;
      expect(open(after), table).toBe(open(before));
    }
    const closed = (table: string) => after.find((c) => c.table === table)?.closed ?? 0;
    expect(closed("pod_versions")).toBeGreaterThan(0);
    expect(closed("port_allocations")).toBeGreaterThan(0);
    expect(closed("headroom_versions")).toBeGreaterThan(0);
    // nodes that joined half-way changed how many nodes hold the DaemonSet's ports
    expect(closed("cluster_port_count_versions")).toBeGreaterThan(0);
  });

  it.each(tables)("never has two versions of one %s key valid at the same instant", async (table) => {
    const key = (naturalKeys[table] ?? []).map((c) => `a.${c} = b.${c}`).join(" AND ");
    const [row] = await db.unsafe<{ n: string }[]>(
      `SELECT count(*) AS n FROM ${table} a JOIN ${table} b ON ${key} AND a.id < b.id
       WHERE tstzrange(a.valid_from, a.valid_to) && tstzrange(b.valid_from, b.valid_to)`,
    );
    expect(Number(row?.n)).toBe(0);
  });

  it.each(tables)(
    "keeps %s intervals inside the history, non-empty, closed ones ending by now",
    async (table) => {
      const [row] = await db.unsafe<{ n: string }[]>(
        `SELECT count(*) AS n FROM ${table}
       WHERE valid_from < $1 OR valid_from > $2 OR valid_to > $2 OR valid_to <= valid_from`,
        [start, now],
      );
      expect(Number(row?.n)).toBe(0);
    },
  );

  it.each(tables)("gives newer %s versions higher ids, as time-ordered pushes do", async (table) => {
    // The count projections are the upgrade's backfills, which number one cluster at a time.
    const backfilled = table === "port_count_versions" || table === "cluster_port_count_versions";
    const within = backfilled ? "PARTITION BY cluster_id " : "";
    const [row] = await db.unsafe<{ n: string }[]>(
      `SELECT count(*) AS n FROM (
         SELECT valid_from, lag(valid_from) OVER (${within}ORDER BY id) AS previous FROM ${table}) x
       WHERE previous > valid_from`,
    );
    expect(Number(row?.n)).toBe(0);
  });

  it("holds every allocation only while its pod exists, under the same (renamed) name", async () => {
    const [row] = await db<{ n: string }[]>`
      SELECT count(*) AS n FROM port_allocations a
      WHERE NOT EXISTS (
        SELECT 1 FROM pod_versions p
        WHERE p.cluster_id = a.cluster_id AND p.namespace = a.namespace AND p.name = a.pod
          AND tstzrange(p.valid_from, p.valid_to) @> tstzrange(a.valid_from, a.valid_to))`;
    expect(Number(row?.n)).toBe(0);
  });

  it("logs a push every few minutes, in time order, ending with the real one", async () => {
    const [row] = await db<{ unordered: string; last: Date; clusters: string }[]>`
      SELECT count(*) FILTER (WHERE previous > observed_at) AS unordered, max(observed_at) AS last,
             count(DISTINCT cluster_id) AS clusters
      FROM (SELECT observed_at, cluster_id, lag(observed_at) OVER (ORDER BY id) AS previous FROM snapshots) x`;
    expect(Number(row?.unordered)).toBe(0);
    expect(row?.last.toISOString()).toBe(now.toISOString());
    expect(Number(row?.clusters)).toBe(2);
  });
});
