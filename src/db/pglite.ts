/** The embedded database (Node only: never import this from the Worker). */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import * as schema from "./schema/index.js";
import type { DatabaseHandle, Db } from "./types.js";

export interface PgliteSource {
  /** data directory; omitted means in memory */
  dataDir?: string;
  /** a dumped data directory to start from (tests start from a migrated template) */
  loadDataDir?: Blob;
}

export async function createPgliteDatabase(
  source: PgliteSource = {},
): Promise<DatabaseHandle & { pglite: PGlite }> {
  const pglite = await PGlite.create({
    ...(source.dataDir ? { dataDir: source.dataDir } : {}),
    ...(source.loadDataDir ? { loadDataDir: source.loadDataDir } : {}),
  });
  const db = drizzle(pglite, { schema }) as unknown as Db;
  return { db, kind: "pglite", pglite, close: () => pglite.close() };
}
