/**
 * `npm run dev:worker [-- --port N] [--database NAME] [wrangler dev flags…]`: creates and migrates the
 * local database (dev-database.ts), then serves the Worker on loopback under wrangler's local workerd.
 * Port and database also come from PORT and PORTOLAN_DEV_DATABASE; flags win over the environment.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const DEFAULT_DEV_PORT = 8788;

export interface DevWorkerPlan {
  port: number;
  /** where the Hyperdrive binding connects: `baseUrl` with the chosen database name */
  databaseUrl: string;
  wranglerArgs: string[];
}

/** Reads `--name value` or `--name=value` out of args; returns the value and the args without it. */
function takeFlag(args: string[], name: string): { value?: string; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === `--${name}`) {
      value = args[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      i++;
    } else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    else rest.push(arg);
  }
  return value === undefined ? { rest } : { value, rest };
}

export class UsageError extends Error {}

export function planDevWorker(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  baseUrl: string,
): DevWorkerPlan {
  const port = takeFlag([...args], "port");
  const database = takeFlag(port.rest, "database");
  const portText = port.value ?? env.PORT ?? String(DEFAULT_DEV_PORT);
  if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    throw new UsageError(`port "${portText}" is not a TCP port (1–65535)`);
  const url = new URL(baseUrl);
  const name = database.value ?? env.PORTOLAN_DEV_DATABASE;
  if (name !== undefined) {
    // The same rule db:setup:worker applies before it runs CREATE DATABASE.
    if (!/^[a-z_][a-z0-9_]*$/.test(name))
      throw new UsageError(`database "${name}": use a plain lower-case identifier`);
    url.pathname = `/${name}`;
  }
  return {
    port: Number(portText),
    databaseUrl: url.toString(),
    wranglerArgs: [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      portText,
      "--var",
      "PORTOLAN_OPEN_ACCESS:true",
      ...database.rest,
    ],
  };
}

async function main(): Promise<number> {
  // Imported here, not at the top: it loads wrangler, which planDevWorker's tests do not need.
  const { localConnectionString, repoRoot } = await import("./wrangler-config.js");
  let plan: DevWorkerPlan;
  try {
    plan = planDevWorker(process.argv.slice(2), process.env, localConnectionString());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`dev:worker: ${error.message}`);
    return 2;
  }
  const env = {
    ...process.env,
    // Both the setup and wrangler read the database from here.
    CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: plan.databaseUrl,
    // Offline and without the Compose .env: no Request.cf download, no update check behind the banner.
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "false",
    WRANGLER_HIDE_BANNER: "true",
  };
  const setup = spawnSync("npm", ["run", "--silent", "db:setup:worker"], { stdio: "inherit", env });
  if (setup.status !== 0) return setup.status ?? 1;
  const wrangler = spawn(join(repoRoot, "node_modules/.bin/wrangler"), plan.wranglerArgs, {
    stdio: "inherit",
    env,
  });
  // A stop sent to this process alone (not to the terminal's process group) still reaches wrangler,
  // which stops workerd in turn. Prepended: the wrangler library loaded above exits on these signals.
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.prependListener(signal, () => wrangler.kill(signal));
  return new Promise((resolve) => wrangler.once("exit", (code) => resolve(code ?? 0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = await main();
