/**
 * The benchmark's database: created per fleet size (portolan_fleet_<clusters>x<nodes>x<days>), the
 * current state pushed through the real ingest path (in-process app), then history deepened in SQL.
 * A completed build is marked in the database's comment, so --reuse can tell it from a half-built one.
 */
import { performance } from "node:perf_hooks";
import postgres, { type Sql } from "postgres";
import { createApp } from "../../src/app.js";
import { applyMigrations } from "../../src/db/migrate.js";
import { createPostgresDatabase } from "../../src/db/postgres.js";
import { deepenHistory, historyCounts, type TableCounts } from "./deepen.js";
import { clusterSpec, fleetSnapshot } from "./generate.js";

export interface FleetSize {
  clusters: number;
  nodes: number;
  days: number;
}

export interface BuiltFleet {
  url: string;
  database: string;
  /** the instant of the current state: as-of questions are asked relative to it */
  now: Date;
  reused: boolean;
  buildSeconds?: { ingest: number; deepen: number; vacuum: number };
  counts: TableCounts[];
}

interface Marker extends FleetSize {
  now: string;
}

export const fleetDatabaseName = (size: FleetSize) =>
  `portolan_fleet_${size.clusters}x${size.nodes}x${size.days}`;

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function readMarker(admin: Sql, database: string): Promise<Marker | null> {
  const [row] = await admin<{ comment: string | null }[]>`
    SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = ${database}`;
  if (!row?.comment) return null;
  try {
    return JSON.parse(row.comment) as Marker;
  } catch {
    return null;
  }
}

export async function dropFleet(serverUrl: string, database: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Pushes every cluster's current snapshot through the app, as its agent would. */
export async function ingestFleet(url: string, size: FleetSize, now: Date, log: (line: string) => void) {
  const handle = createPostgresDatabase(url, { max: 4 });
  try {
    await applyMigrations(handle);
    const app = createApp({
      database: handle,
      auth: { adminToken: undefined, openAccess: true },
      staleAfterSeconds: 600,
      maxSnapshotBytes: 512 * 1024 * 1024,
    });
    for (let i = 0; i < size.clusters; i++) {
      const spec = clusterSpec(i);
      const registered = await app.request("/trpc/clusters.register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(spec),
      });
      if (!registered.ok)
        throw new Error(`register ${spec.name}: ${registered.status} ${await registered.text()}`);
      const { token } = ((await registered.json()) as { result: { data: { token: string } } }).result.data;
      const pushed = await app.request("/v1/snapshots", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(fleetSnapshot(i, size.nodes, now.toISOString())),
      });
      if (!pushed.ok) throw new Error(`push ${spec.name}: ${pushed.status} ${await pushed.text()}`);
      if ((i + 1) % 10 === 0 || i + 1 === size.clusters) log(`ingested ${i + 1}/${size.clusters} clusters`);
    }
  } finally {
    await handle.close();
  }
}

/** Builds the fleet (or finds the completed one with --reuse) and returns where it is. */
export async function prepareFleet(
  serverUrl: string,
  size: FleetSize,
  options: { reuse: boolean; log: (line: string) => void },
): Promise<BuiltFleet> {
  const database = fleetDatabaseName(size);
  const url = databaseUrl(serverUrl, database);
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const marker = options.reuse ? await readMarker(admin, database) : null;
    if (marker) {
      const db = postgres(url, { max: 1, onnotice: () => {} });
      const counts = await historyCounts(db).finally(() => db.end());
      return { url, database, now: new Date(marker.now), reused: true, counts };
    }
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${database}`);
    // The current state is observed a minute ago, on a whole minute, so reruns ask round questions.
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const t0 = performance.now();
    await ingestFleet(url, size, now, options.log);
    const t1 = performance.now();
    // One session for the whole deepening: it keeps TEMP tables across statements that run for
    // tens of minutes, and postgres.js would otherwise retire the connection after 30–60 min.
    const db = postgres(url, { max: 1, max_lifetime: null, idle_timeout: 0, onnotice: () => {} });
    try {
      const inserted = await deepenHistory(db, { now, days: size.days });
      options.log(`deepened: ${JSON.stringify(inserted)}`);
      const t2 = performance.now();
      // Index-only scans need the visibility map; the planner needs statistics.
      await db.unsafe("VACUUM (ANALYZE)");
      const t3 = performance.now();
      const counts = await historyCounts(db);
      const marker: Marker = { ...size, now: now.toISOString() };
      await admin.unsafe(`COMMENT ON DATABASE ${database} IS '${JSON.stringify(marker)}'`);
      const seconds = (ms: number) => Math.round(ms / 100) / 10;
      return {
        url,
        database,
        now,
        reused: false,
        buildSeconds: { ingest: seconds(t1 - t0), deepen: seconds(t2 - t1), vacuum: seconds(t3 - t2) },
        counts,
      };
    } finally {
      await db.end();
    }
  } finally {
    await admin.end();
  }
}
