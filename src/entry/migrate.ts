/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
import { ConfigError, readNodeEnv } from "../config/node-env.js";
import { log } from "../logging/logger.js";
import { describeDatabase, openDatabase } from "./database.js";

try {
  const env = readNodeEnv();
  const options = { databaseUrl: env.DATABASE_URL, dataDir: env.PORTOLAN_DATA_DIR };
  const database = await openDatabase(options);
  await database.close();
  log("info", "migrations applied", { database: describeDatabase(options) });
} catch (error) {
  log(
    "error",
    error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
