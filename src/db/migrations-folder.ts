import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** migrations/ sits at the package root both for sources (src/db) and for the build (dist/src/db). */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "migrations");
    // tsc copies meta/_journal.json into dist/migrations (it is imported for /readyz): the real
    // folder is the one that also holds the SQL files.
    if (
      existsSync(join(candidate, "meta", "_journal.json")) &&
      readdirSync(candidate).some((f) => f.endsWith(".sql"))
    ) {
      return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error("cannot find the migrations/ folder next to the package");
}
