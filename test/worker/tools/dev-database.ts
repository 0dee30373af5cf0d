/**
 * `npm run db:setup:worker`: creates the database `npm run dev:worker` connects to (wrangler.toml's
 * localConnectionString, or CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE as wrangler
 * reads it) when it is missing, then migrates it with `npm run db:migrate`. Safe to run again.
 */
import { spawnSync } from "node:child_process";
import postgres from "postgres";
import { localConnectionString } from "./wrangler-config.js";

const url = new URL(localConnectionString());
const name = decodeURIComponent(url.pathname.slice(1));
if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
  console.error(`refusing to create database "${name}": use a plain lower-case identifier`);
  process.exit(2);
}
const maintenance = new URL(url);
maintenance.pathname = "/postgres";
const admin = postgres(maintenance.toString(), { max: 1, onnotice: () => {} });
try {
  const [row] = await admin`SELECT 1 AS present FROM pg_database WHERE datname = ${name}`;
  if (row) console.log(`database ${name} exists`);
  else {
    await admin.unsafe(`CREATE DATABASE ${name}`);
    console.log(`created database ${name}`);
  }
} catch (error) {
  console.error(`cannot reach PostgreSQL at ${url.host}: ${(error as Error).message}`);
  process.exit(1);
} finally {
  await admin.end();
}
const migrate = spawnSync("npm", ["run", "--silent", "db:migrate"], {
  stdio: "inherit",
  env: { ...process.env, DATABASE_URL: url.toString() },
});
process.exit(migrate.status ?? 1);
