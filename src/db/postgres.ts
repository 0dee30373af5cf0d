import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.js";
import type { DatabaseHandle, Db } from "./types.js";

export interface PostgresOptions {
  max?: number;
  /** Workers: no type round trip per connection */
  fetchTypes?: boolean;
}

export function createPostgresDatabase(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    fetch_types: options.fetchTypes ?? true,
  });
  const db = drizzle(client, { schema }) as unknown as Db;
  return { db, kind: "postgres", close: () => client.end({ timeout: 5 }) };
}
